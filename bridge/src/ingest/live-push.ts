// The live push: one of a DJ session's frame consumers. Muxes the studio's Opus packets into Ogg
// (shared/src/ogg/opus-muxer.ts) for /test or /live and encodes the MP3 companion (/test.mp3,
// /live.mp3), each pushed by a real Icecast source client. Moving the target opens the new mounts
// first (a refusal leaves everything as it was), then switches between two frames: nothing upstream
// restarts and no frame is skipped. Fed by dj-session.ts; feeds mounts through the stream port.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { AircheckError, failureGoesToCaller, isAircheckError } from '../../../shared/src/errors.ts';
import { OpusMuxer, type NowPlaying } from '../../../shared/src/ogg/opus-muxer.ts';
import type { AudioFrame } from '../../../shared/src/protocol/audio-frame.ts';
import { IcecastSourceClient, updateSourceMetadata } from './icecast-source-client.ts';
import { OpusToMp3 } from '../../../shared/src/mp3/opus-to-mp3.ts';

/** What a session hands every frame to: the live push now, the recorder next. */
export interface FrameConsumer {
  onFrame(frame: AudioFrame): void;
  /** The show ended (or the session expired): flush and let go. reason: why, for the recording. */
  onEnd(reason?: string): void;
  /** Frames this consumer received but dropped (the recorder on a full disk): counted in the session's lostFrames. */
  readonly lostFrames?: number;
  /** A recording's show id (the recorder's consumer): a session persisted for a restart continues it. */
  readonly showId?: string;
  /**
   * Optional, for a consumer that must not lose what the studio stops holding (the recorder): every
   * frame up to this seq is safe from a crash of the bridge; the session's acks never pass it.
   */
  safeSeq?(): number;
  /** The studio set the now-playing title (the recorder keeps it in the show's tracklist). */
  onMetadata?(nowPlaying: NowPlaying): void;
  /** Make everything received safe now (an ack waits for it). */
  flush?(): void;
  /** Set by the session: safeSeq moved. */
  onSafe?: (() => void) | null;
}

export type PushTarget = 'test' | 'live';

export interface PushMounts {
  opus: string;
  mp3: string;
}

export interface LivePushDeps {
  /** `http://host:port` of the server to push to (the bridge's own stream port). */
  baseUrl: () => string;
  credentials: () => { user: string; password: string };
  mounts: Readonly<Record<PushTarget, PushMounts>>;
  log: Logger;
  /** The stream name listeners see. */
  streamName: string;
  /** A push connection dropped or came back without being asked (state changes unsolicited). */
  onAirChanged: () => void;
}

/** Bytes queued towards a mount before the push counts as stuck and is restarted (≈ 10 s at 510 kbps). */
const MAX_PENDING_BYTES = 640 * 1024;
const RECONNECT_DELAY_MS = 1000;

interface Leg {
  target: PushTarget;
  opus: IcecastSourceClient;
  mp3: IcecastSourceClient;
}

export class LivePush implements FrameConsumer {
  readonly #deps: LivePushDeps;
  readonly #muxer: OpusMuxer;
  readonly #mp3: OpusToMp3;
  #leg: Leg | null = null;
  /** Where the studio asked to be; the leg may be missing while a dropped push reconnects. */
  #wanted: PushTarget | null = null;
  #nowPlaying: NowPlaying = { artist: '', title: '' };
  #reconnectTimer: NodeJS.Timeout | null = null;
  #ended = false;
  #switching: Promise<void> = Promise.resolve();

  static async create(opusHead: Uint8Array, channels: 1 | 2, preSkipSamples: number, deps: LivePushDeps): Promise<LivePush> {
    const muxer = new OpusMuxer({ opusHead });
    const mp3 = await OpusToMp3.create({ channels, preSkipSamples });
    return new LivePush(muxer, mp3, deps);
  }

  private constructor(muxer: OpusMuxer, mp3: OpusToMp3, deps: LivePushDeps) {
    this.#muxer = muxer;
    this.#mp3 = mp3;
    this.#deps = deps;
  }

  /** The target whose mounts accepted this push and receive its audio now. */
  get activeTarget(): PushTarget | null {
    return this.#leg?.target ?? null;
  }

  get wantedTarget(): PushTarget | null {
    return this.#wanted;
  }

  mountsOf(target: PushTarget | null): string[] {
    return target ? [this.#deps.mounts[target].opus, this.#deps.mounts[target].mp3] : [];
  }

  /**
   * Moves the push to target (null: stop pushing). Resolves once the new mounts accepted the source;
   * rejects with the server's code (MOUNT_IN_USE when another source is there), changing nothing.
   */
  setTarget(target: PushTarget | null): Promise<void> {
    const run = this.#switching.then(() => this.#switchTo(target));
    this.#switching = run.catch(failureGoesToCaller);
    return run;
  }

  async #switchTo(target: PushTarget | null): Promise<void> {
    if (this.#ended) throw new AircheckError('SOURCE_PUSH_FAILED', 'the show has ended: start a new session');
    if (target === this.#leg?.target) {
      this.#wanted = target;
      return;
    }
    if (target === null) {
      this.#wanted = null;
      this.#cancelReconnect();
      this.#closeLeg();
      // End show: the title ends with it (the mounts clear theirs when the source leaves), so a show
      // started again on this session begins untitled.
      this.#nowPlaying = { artist: '', title: '' };
      return;
    }
    const leg = await this.#open(target);
    this.#wanted = target;
    this.#cancelReconnect();
    this.#closeLeg();
    this.#startLeg(leg);
  }

  setNowPlaying(nowPlaying: NowPlaying): Promise<void> {
    this.#nowPlaying = { ...nowPlaying };
    const leg = this.#leg;
    if (!leg) return Promise.resolve();
    // Opus listeners: a new chain with fresh OpusTags. MP3 listeners: ICY metadata via updinfo.
    leg.opus.write(concat(this.#muxer.beginChain(randomSerial(), this.#nowPlaying)));
    return this.#sendMp3Title(leg);
  }

  onFrame(frame: AudioFrame): void {
    const leg = this.#leg;
    if (!leg || this.#ended) return;
    for (const page of this.#muxer.push(frame.packet, frame.durationSamples)) leg.opus.write(page);
    try {
      for (const unit of this.#mp3.push(frame.packet)) leg.mp3.write(unit.data);
    } catch (err) {
      this.#deps.log.warn({ err: (err as Error).message }, 'MP3 companion could not encode a packet');
    }
    if (leg.opus.pendingBytes > MAX_PENDING_BYTES || leg.mp3.pendingBytes > MAX_PENDING_BYTES) {
      this.#deps.log.warn({ mount: this.#deps.mounts[leg.target].opus }, 'push is not draining; reconnecting it');
      this.#legLost(leg);
    }
  }

  onEnd(): void {
    if (this.#ended) return;
    this.#cancelReconnect();
    this.#closeLeg();
    this.#wanted = null;
    this.#ended = true;
    this.#mp3.close();
  }

  async #open(target: PushTarget): Promise<Leg> {
    const mounts = this.#deps.mounts[target];
    const { user, password } = this.#deps.credentials();
    const base = this.#deps.baseUrl();
    const common = { user, password, name: this.#deps.streamName, public: target === 'live' };
    const opus = await IcecastSourceClient.connect({ ...common, url: `${base}${mounts.opus}`, contentType: 'application/ogg' });
    let mp3: IcecastSourceClient;
    try {
      mp3 = await IcecastSourceClient.connect({ ...common, url: `${base}${mounts.mp3}`, contentType: 'audio/mpeg' });
    } catch (err) {
      opus.close();
      throw err;
    }
    return { target, opus, mp3 };
  }

  #startLeg(leg: Leg): void {
    this.#leg = leg;
    this.#muxer.endChain(); // a chain left open by a lost connection ends there, not on the new one
    leg.opus.write(concat(this.#muxer.beginChain(randomSerial(), this.#nowPlaying)));
    const lost = (error: AircheckError | null) => {
      if (this.#leg !== leg) return;
      this.#deps.log.warn({ mount: this.#deps.mounts[leg.target].opus, code: error?.code, reason: error?.message }, 'push connection lost; reconnecting');
      this.#legLost(leg);
    };
    leg.opus.onClose(lost);
    leg.mp3.onClose(lost);
    this.#deps.log.info({ mounts: this.mountsOf(leg.target) }, 'studio push started');
    void this.#sendMp3Title(leg);
  }

  #closeLeg(): void {
    const leg = this.#leg;
    if (!leg) return;
    this.#leg = null;
    leg.opus.write(concat(this.#muxer.endChain()));
    try {
      for (const unit of this.#mp3.flush()) leg.mp3.write(unit.data);
    } catch {
      // flush after an encoder error: nothing more to send
    }
    leg.opus.close();
    leg.mp3.close();
    this.#deps.log.info({ mounts: this.mountsOf(leg.target) }, 'studio push stopped');
  }

  #legLost(leg: Leg): void {
    if (this.#leg !== leg) return;
    this.#leg = null;
    leg.opus.close();
    leg.mp3.close();
    this.#deps.onAirChanged();
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer || this.#ended || !this.#wanted) return;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      const wanted = this.#wanted;
      if (!wanted || this.#leg || this.#ended) return;
      this.#switching = this.#switching.then(async () => {
        if (this.#wanted !== wanted || this.#leg || this.#ended) return;
        try {
          this.#startLeg(await this.#open(wanted));
          this.#deps.onAirChanged();
        } catch (err) {
          this.#deps.log.warn({ code: isAircheckError(err) ? err.code : undefined, reason: (err as Error).message }, 'push reconnect failed; retrying');
          this.#scheduleReconnect();
        }
      });
    }, RECONNECT_DELAY_MS);
  }

  #cancelReconnect(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }

  async #sendMp3Title(leg: Leg): Promise<void> {
    const { artist, title } = this.#nowPlaying;
    const song = artist && title ? `${artist} - ${title}` : title || artist;
    if (!song) return;
    try {
      await updateSourceMetadata(leg.mp3.target, song);
    } catch (err) {
      this.#deps.log.warn({ mount: this.#deps.mounts[leg.target].mp3, code: isAircheckError(err) ? err.code : undefined }, 'MP3 now-playing update failed');
    }
  }
}

function randomSerial(): number {
  return randomInt(1, 0xffff_ffff);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
