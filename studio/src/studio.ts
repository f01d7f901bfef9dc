// The studio's composition root: creates the session client, the audio engine, the encoder and the
// uplink, wires them (engine.outputTrack → encoder → uplink), and holds what the elements render.
// Elements call its methods and re-render on subscribe(); they own no timers, nodes or sockets.

import { ignoreCleanupError } from '../../shared/src/errors.ts';
import { STUDIO_WS_PATH } from '../../shared/src/protocol/messages.ts';
import type { ControlAction, RecordingMessage } from '../../shared/src/protocol/messages.ts';
import { AudioEngine } from './audio/audio-engine.ts';
import { DEFAULT_TALKOVER_DEPTH_DB, clampFaderDb } from './audio/mixer-model.ts';
import type { ChannelSettings, InputMode, MasterSettings } from './audio/mixer-model.ts';
import type { MeterReading } from './audio/meter-math.ts';
import { DEFAULT_BITRATE_KBPS, EncoderService } from './encode/encoder-service.ts';
import { SessionClient, SessionError } from './session/session-client.ts';
import type { SessionInfo } from './session/session-client.ts';
import { UplinkClient, UplinkRequestError } from './uplink/uplink-client.ts';
import type { UplinkHealth, UplinkState } from './uplink/uplink-client.ts';

/** What the on-air panel shows: a transition is pending until the bridge confirms it. */
export type ShowPhase = 'off' | 'connecting' | 'test' | 'live' | 'ending';

export interface Cart {
  id: string;
  name: string;
  durationS: number;
  playing: boolean;
}

export interface InputDevice {
  deviceId: string;
  label: string;
}

const TOKEN_KEY = 'aircheck.studio.session';

export class Studio {
  readonly sessionClient: SessionClient;
  user: { name: string; token: string } | null = null;
  sessionInfo: SessionInfo | null = null;
  signInError = '';
  busy = '';
  /** Errors and notices for the DJ (role=alert / status in the UI). */
  message = '';
  engine: AudioEngine | null = null;
  channels: ChannelSettings[] = [];
  master: MasterSettings = { gainDb: 0, talkover: false, talkoverDepthDb: DEFAULT_TALKOVER_DEPTH_DB, cueGainDb: 0 };
  devices: InputDevice[] = [];
  carts: Cart[] = [];
  bitrateKbps = DEFAULT_BITRATE_KBPS;
  /** The transition waiting for the bridge's confirmation, if any. */
  pending: ControlAction | 'connect' | null = null;
  nowPlaying = { artist: '', title: '', confirmed: false };
  uplink: UplinkClient | null = null;
  encoder: EncoderService | null = null;
  previewCued = false;
  #listeners = new Set<() => void>();
  #cartBuffers = new Map<string, AudioBuffer>();
  #cartPlaybacks = new Map<string, { stop(): void }>();
  #nextId = 1;
  #notifyQueued = false;

  constructor(sessionClient = new SessionClient()) {
    this.sessionClient = sessionClient;
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  // ---- sign-in -------------------------------------------------------------------------------

  /** Restores a session token kept for this tab (a reload keeps the DJ signed in). */
  async restore(): Promise<void> {
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (!saved) return;
    try {
      const { name, token } = JSON.parse(saved) as { name: string; token: string };
      this.sessionInfo = await this.sessionClient.session(token);
      this.user = { name, token };
      await this.#startAudio();
    } catch {
      sessionStorage.removeItem(TOKEN_KEY);
      this.user = null;
    }
    this.#changed();
  }

  async signIn(name: string, password: string): Promise<void> {
    this.signInError = '';
    this.busy = 'Signing in…';
    this.#changed();
    try {
      const signed = await this.sessionClient.login(name, password);
      this.user = { name: signed.name, token: signed.token };
      sessionStorage.setItem(TOKEN_KEY, JSON.stringify(this.user));
      this.sessionInfo = await this.sessionClient.session(signed.token);
      await this.#startAudio();
    } catch (err) {
      this.signInError = err instanceof SessionError ? err.message : `sign-in failed: ${(err as Error).message}`;
    } finally {
      this.busy = '';
      this.#changed();
    }
  }

  async signOut(): Promise<void> {
    const token = this.user?.token;
    this.uplink?.stop();
    await this.encoder?.stop();
    this.uplink = null;
    this.encoder = null;
    await this.engine?.close();
    this.engine = null;
    this.channels = [];
    this.carts = [];
    this.user = null;
    this.sessionInfo = null;
    this.pending = null;
    sessionStorage.removeItem(TOKEN_KEY);
    if (token) await this.sessionClient.logout(token).catch(ignoreCleanupError); // signed out here already; the token expires anyway
    this.#changed();
  }

  // ---- mixer -------------------------------------------------------------------------------

  async #startAudio(): Promise<void> {
    if (this.engine) return;
    this.engine = await AudioEngine.create();
    this.engine.subscribe(() => this.#changed());
    await this.engine.resume();
    this.engine.applyMaster(this.master);
    const carts: ChannelSettings = { id: 'carts', label: 'Carts', kind: 'carts', deviceId: '', mode: 'music', gainDb: 0, muted: false, cue: false };
    await this.engine.addChannel(carts, this.master);
    this.channels = [carts];
    try {
      await this.addInput('', 'voice');
      await this.refreshDevices();
    } catch (err) {
      this.message = `No microphone: ${(err as Error).message}. Allow microphone access and add an input.`;
    }
  }

  async refreshDevices(): Promise<void> {
    const all = await navigator.mediaDevices.enumerateDevices();
    this.devices = all.filter((d) => d.kind === 'audioinput')
      .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Input ${i + 1}` }));
    this.#changed();
  }

  level(id: string): MeterReading {
    return this.engine?.level(id) ?? { peakDb: -60, rmsDb: -60 };
  }

  get limiterReductionDb(): number {
    return this.engine?.limiterReductionDb ?? 0;
  }

  async addInput(deviceId: string, mode: InputMode): Promise<void> {
    if (!this.engine) return;
    const n = this.channels.filter((c) => c.kind === 'input').length + 1;
    const settings: ChannelSettings = {
      id: `in-${this.#nextId++}`,
      label: `${mode === 'voice' ? 'Mic' : 'Line'} ${n}`,
      kind: 'input', deviceId, mode, gainDb: 0, muted: false, cue: false,
    };
    await this.engine.addChannel(settings, this.master);
    this.channels = [...this.channels.filter((c) => c.kind === 'input'), settings, ...this.channels.filter((c) => c.kind === 'carts')];
    this.#changed();
  }

  removeInput(id: string): void {
    this.engine?.removeChannel(id);
    this.channels = this.channels.filter((c) => c.id !== id);
    this.#changed();
  }

  updateChannel(id: string, change: Partial<Pick<ChannelSettings, 'gainDb' | 'muted' | 'cue'>>): void {
    this.channels = this.channels.map((c) => (c.id === id ? { ...c, ...change, gainDb: clampFaderDb(change.gainDb ?? c.gainDb) } : c));
    const ch = this.channels.find((c) => c.id === id);
    if (ch) this.engine?.apply(ch, this.master);
    this.#changed();
  }

  async setMode(id: string, mode: InputMode): Promise<void> {
    const ch = this.channels.find((c) => c.id === id);
    if (!ch || !this.engine || ch.kind !== 'input') return;
    try {
      await this.engine.openCapture(id, ch.deviceId, mode);
      this.channels = this.channels.map((c) => (c.id === id ? { ...c, mode } : c));
      this.#applyAll();
    } catch (err) {
      this.message = `Could not switch ${ch.label} to ${mode}: ${(err as Error).message}`;
    }
    this.#changed();
  }

  updateMaster(change: Partial<MasterSettings>): void {
    this.master = { ...this.master, ...change };
    this.master.gainDb = clampFaderDb(this.master.gainDb);
    this.engine?.applyMaster(this.master);
    this.#applyAll();
    this.#changed();
  }

  setPreviewCued(on: boolean): void {
    this.previewCued = on;
    this.#changed();
  }

  // ---- carts -------------------------------------------------------------------------------

  async addCarts(files: readonly File[]): Promise<void> {
    if (!this.engine) return;
    for (const file of files) {
      try {
        const buffer = await this.engine.decodeFile(file);
        const id = `cart-${this.#nextId++}`;
        this.#cartBuffers.set(id, buffer);
        this.carts = [...this.carts, { id, name: file.name.replace(/\.[^.]+$/, ''), durationS: buffer.duration, playing: false }];
      } catch (err) {
        this.message = `Could not load ${file.name}: ${(err as Error).message}`;
      }
    }
    this.#changed();
  }

  toggleCart(id: string): void {
    const playing = this.#cartPlaybacks.get(id);
    if (playing) {
      playing.stop();
      return;
    }
    const buffer = this.#cartBuffers.get(id);
    if (!buffer || !this.engine) return;
    const playback = this.engine.playBuffer('carts', buffer, () => {
      this.#cartPlaybacks.delete(id);
      this.carts = this.carts.map((c) => (c.id === id ? { ...c, playing: false } : c));
      this.#changed();
    });
    this.#cartPlaybacks.set(id, playback);
    this.carts = this.carts.map((c) => (c.id === id ? { ...c, playing: true } : c));
    this.#changed();
  }

  removeCart(id: string): void {
    this.#cartPlaybacks.get(id)?.stop();
    this.#cartBuffers.delete(id);
    this.carts = this.carts.filter((c) => c.id !== id);
    this.#changed();
  }

  // ---- the show ----------------------------------------------------------------------------

  get uplinkState(): UplinkState {
    return this.uplink?.state ?? { target: 'none', onAir: false, mounts: [] };
  }

  get health(): UplinkHealth | null {
    return this.uplink?.health ?? null;
  }

  /** The bridge's last word on this show's recording (PROTOCOL.md §4.11), or null. */
  get recording(): RecordingMessage | null {
    return this.uplink?.recording ?? null;
  }

  /** ON AIR: only from the bridge's last state, and only while the connection is up. */
  get onAir(): boolean {
    return this.uplink?.status === 'connected' && this.uplink.state.onAir;
  }

  get phase(): ShowPhase {
    const u = this.uplink;
    if (!u || u.status === 'idle' || u.status === 'ended' || u.status === 'failed') return 'off';
    if (u.status === 'ending') return 'ending';
    if (u.state.target === 'live') return 'live';
    if (u.state.target === 'test') return 'test';
    return 'connecting';
  }

  setBitrate(kbps: number): void {
    this.bitrateKbps = kbps;
    this.#changed();
  }

  /** Connect: start the encoder, open the uplink, and go to /test (the private preview). */
  async connect(): Promise<void> {
    if (!this.engine || !this.user || this.pending) return;
    this.pending = 'connect';
    this.message = '';
    this.#changed();
    try {
      await this.engine.resume();
      const user = this.user;
      const wsUrl = new URL(STUDIO_WS_PATH, location.href);
      wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
      const uplink = new UplinkClient({
        url: wsUrl.href,
        token: () => user.token,
        createSocket: (url) => new WebSocket(url) as unknown as import('./uplink/uplink-client.ts').UplinkSocket,
        log: (level, msg, data) => console[level === 'info' ? 'info' : level](`uplink: ${msg}`, data ?? {}),
      });
      uplink.subscribe(() => this.#changed());
      const encoder = new EncoderService({
        track: this.engine.outputTrack,
        bitrateKbps: this.bitrateKbps,
        onPacket: (p) => uplink.pushAudio(p),
        onError: (err) => {
          this.message = `The encoder stopped: ${err.message}`;
          this.#changed();
        },
      });
      this.uplink = uplink;
      this.encoder = encoder;
      encoder.start();
      uplink.connect(await encoder.codec);
      this.pending = 'test';
      await uplink.control('test');
      if (this.nowPlaying.artist || this.nowPlaying.title) void this.setNowPlaying(this.nowPlaying.artist, this.nowPlaying.title);
    } catch (err) {
      this.message = this.#explain(err);
    } finally {
      this.pending = null;
      this.#changed();
    }
  }

  goLive(): Promise<void> {
    return this.#transition('live');
  }

  backToTest(): Promise<void> {
    return this.#transition('test');
  }

  async endShow(): Promise<void> {
    if (!this.uplink || this.pending) return;
    this.pending = 'end';
    this.#changed();
    try {
      await this.uplink.end();
      await this.encoder?.stop();
      this.encoder = null;
      this.message = 'The show has ended.';
    } catch (err) {
      this.message = this.#explain(err);
    } finally {
      this.pending = null;
      this.#changed();
    }
  }

  async setNowPlaying(artist: string, title: string): Promise<void> {
    this.nowPlaying = { artist, title, confirmed: false };
    this.#changed();
    if (!this.uplink || this.phase === 'off') return; // sent after connecting
    try {
      await this.uplink.metadata(artist, title);
      this.nowPlaying = { artist, title, confirmed: true };
    } catch (err) {
      this.message = this.#explain(err);
    }
    this.#changed();
  }

  async #transition(action: 'live' | 'test'): Promise<void> {
    if (!this.uplink || this.pending) return;
    this.pending = action;
    this.message = '';
    this.#changed();
    try {
      await this.uplink.control(action);
    } catch (err) {
      this.message = this.#explain(err);
    } finally {
      this.pending = null;
      this.#changed();
    }
  }

  #explain(err: unknown): string {
    if (err instanceof UplinkRequestError) return `${err.message} (${err.code})`;
    return (err as Error).message ?? String(err);
  }

  #applyAll(): void {
    for (const ch of this.channels) this.engine?.apply(ch, this.master);
  }

  /** Batches notifications to one per microtask (meters fire often). */
  #changed(): void {
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      for (const fn of this.#listeners) fn();
    });
  }
}
