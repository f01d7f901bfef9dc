// One mount's player: one <audio> element (no controls; the page draws play/stop, volume and a live
// indicator), playing the one stream chosen by stream-choice.ts. Play always starts at the live edge
// (a fresh request); stop drops the connection, so the listener count is honest. A stream that
// breaks is retried after 1, 2 and 4 s, then the player stops and says so. Owned by the Station.
import type { AudioGraph } from './audio-graph.ts';
import type { MountAirState, PublicStream } from './station-document.ts';
import { chooseStream } from './stream-choice.ts';

export type PlayerState = 'stopped' | 'starting' | 'playing' | 'buffering' | 'retrying';

export const RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 4000];
const VOLUME_KEY = 'aircheck-station-volume';

export interface PlayerStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export class MountPlayer {
  readonly path: string;
  readonly audio: HTMLAudioElement;
  state: PlayerState = 'stopped';
  /** A sentence for the listener when the player stopped on its own (or cannot play), else null. */
  message: string | null = null;
  streams: PublicStream[] = [];
  /** The stream this browser plays, null when it plays none of them. */
  chosen: PublicStream | null = null;
  airState: MountAirState = 'off-air';
  #graph: AudioGraph;
  #storage: PlayerStorage | null;
  #listeners = new Set<() => void>();
  #retries = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(path: string, audio: HTMLAudioElement, graph: AudioGraph, storage: PlayerStorage | null) {
    this.path = path;
    this.audio = audio;
    this.#graph = graph;
    this.#storage = storage;
    // Anonymous CORS (the stream port answers Access-Control-Allow-Origin: *): the visualizer may
    // read the samples of a stream served from another port.
    audio.crossOrigin = 'anonymous';
    audio.preload = 'none';
    audio.dataset.mount = path;
    const saved = Number(storage?.getItem(VOLUME_KEY) ?? '0.8');
    audio.volume = Number.isFinite(saved) ? Math.min(1, Math.max(0, saved)) : 0.8;
    audio.addEventListener('playing', () => {
      this.#retries = 0;
      this.message = null;
      this.#set('playing');
    });
    audio.addEventListener('waiting', () => {
      if (this.state === 'playing') this.#set('buffering');
    });
    audio.addEventListener('error', () => this.#broke());
    audio.addEventListener('ended', () => this.#broke());
    audio.addEventListener('pause', () => {
      // Paused from outside the page while it played (a headset button, the phone's lock screen):
      // that is a stop. Our own changes happen in other states (stopped, starting, retrying).
      if (this.state === 'playing' || this.state === 'buffering') this.stop();
    });
    audio.addEventListener('volumechange', () => this.#emit());
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  get volume(): number {
    return this.audio.volume;
  }

  get active(): boolean {
    return this.state !== 'stopped';
  }

  setVolume(volume: number): void {
    this.audio.volume = Math.min(1, Math.max(0, volume));
    this.#storage?.setItem(VOLUME_KEY, String(this.audio.volume));
  }

  /** The mount's streams and state from the latest station document. */
  update(streams: PublicStream[], airState: MountAirState): void {
    this.streams = streams;
    this.airState = airState;
    const chosen = chooseStream(streams, (type) => this.audio.canPlayType(type));
    const changed = chosen?.url !== this.chosen?.url;
    this.chosen = chosen;
    if (airState === 'off-air' && this.active) {
      this.stop();
      this.message = 'The station is off air right now.';
    } else if (changed && this.active) {
      this.#start(); // the stream it played is gone: the other one, from the live edge
    }
    this.#emit();
  }

  /** Call from the click: Web Audio may start only inside a gesture. */
  play(): void {
    this.#graph.unlock();
    this.#retries = 0;
    this.message = null;
    if (!this.chosen) {
      this.message = this.streams.length === 0 ? 'Nothing is playing right now.' : 'This browser cannot play this stream: use the .m3u link in a media player.';
      this.#emit();
      return;
    }
    this.#start();
  }

  stop(): void {
    this.#clearRetry();
    this.#set('stopped');
    this.#detach();
  }

  toggle(): void {
    if (this.active) this.stop();
    else this.play();
  }

  #start(): void {
    this.#clearRetry();
    const stream = this.chosen;
    if (!stream) return this.stop();
    this.#set('starting');
    this.audio.src = stream.url;
    this.audio.dataset.codec = stream.codec;
    this.audio.play().catch((err: unknown) => {
      if ((err as DOMException)?.name === 'NotAllowedError') {
        this.stop();
        this.message = 'Press play to listen.';
        this.#emit();
      }
      // AbortError (a stop or a new start came first) and load failures: the element's own error
      // event, or the state already changed, says what happened.
    });
  }

  #broke(): void {
    if (this.state === 'stopped' || this.state === 'retrying' || !this.audio.getAttribute('src')) return;
    this.#detach();
    const delay = RETRY_DELAYS_MS[this.#retries];
    if (delay === undefined || this.airState === 'off-air') {
      this.#set('stopped');
      this.message = this.airState === 'off-air' ? 'The station is off air right now.' : 'The stream stopped. Press play to try again.';
      this.#emit();
      return;
    }
    this.#retries += 1;
    this.#set('retrying');
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.state === 'retrying') this.#start();
    }, delay);
  }

  /** Drops the connection (a paused live stream would keep downloading, and count as a listener). */
  #detach(): void {
    this.audio.pause();
    this.audio.removeAttribute('src');
    this.audio.load();
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #set(state: PlayerState): void {
    this.state = state;
    this.#emit();
  }

  #emit(): void {
    for (const fn of this.#listeners) fn();
  }
}
