// The live push: one of a DJ session's frame consumers. Muxes the studio's Opus packets into Ogg
// (shared/src/ogg/opus-muxer.ts) for /test or /live, fed in process through an InProcessSource
// (mounts/mount-source.ts, kind 'studio'): no connection, no credential. The MP3 companions
// (/test.mp3, /live.mp3) are ladder rungs of those mounts (ladder/), as for any source: the push only
// asks for the DJ's MP3 bitrate in its stream info. Moving the target claims the new mount first (a
// refusal leaves everything as it was), then switches between two frames: nothing upstream restarts
// and no frame is skipped. Fed by dj-session.ts; feeds the mount registry.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { AircheckError, failureGoesToCaller, isAircheckError } from '../../../../shared/src/errors.ts';
import { OpusMuxer, type NowPlaying } from '../../../../shared/src/ogg/opus-muxer.ts';
import { AUDIO_FRAME_FLAG_DISCONTINUITY, type AudioFrame } from '../../../../shared/src/protocol/audio-frame.ts';
import { LiveEdge } from './live-edge.ts';
import type { FrameConsumer, ShowInfoText } from '../../../../shared/src/show-contract.ts';
import { InProcessSource, type MountSourceHost } from '../../mounts/mount-source.ts';
import { emptyInfo, type StreamInfo } from '../../mounts/mount.ts';
import { OggFramer } from '../../../../shared/src/ogg/ogg-framer.ts';
import { FIELD_MAX_CHARS, cleanText } from '../stream-info.ts';

export type PushTarget = 'test' | 'live';

export interface PushMounts {
  /** The mount the push feeds (Ogg Opus). */
  opus: string;
  /** Its MP3 companion, a ladder rung of it: counted in the show's audience, not fed by the push. */
  mp3: string;
}

export interface LivePushDeps {
  /** The mounts' source side (the registry): the push claims its mounts there, in process. */
  sources: MountSourceHost;
  mounts: Readonly<Record<PushTarget, PushMounts>>;
  log: Logger;
  /** The stream name listeners see while the DJ has not named the show (the station's name). */
  streamName: string;
  /** The MP3 companion rung's bitrate unless the DJ picks another, and the ones the DJ may pick (`[studio]`). */
  mp3BitrateKbps?: number;
  mp3BitratesKbps?: readonly number[];
  /** The push lost its mounts or got them back without being asked (state changes unsolicited). */
  onAirChanged: () => void;
}

/** After the mounts were taken from the push (an admin's killsource, a shutdown): retry this often. */
const RECONNECT_DELAY_MS = 1000;
/**
 * No frame on air for this long (a network cut the WebSocket has not noticed yet, a frozen tab): the
 * studio counts as away and the push lets go of its mounts, so listeners hear the fallback at once.
 */
export const STUDIO_AWAY_MS = 1500;
/** Frames at the live edge held while the push (re)claims its mounts; the oldest go first. */
const MAX_WAITING_US = 200_000;

/** The mount the push feeds: its source, and the framer that turns the muxer's pages into units. */
interface Leg {
  target: PushTarget;
  source: InProcessSource;
  framer: OggFramer;
}

export class LivePush implements FrameConsumer {
  readonly #deps: LivePushDeps;
  readonly #muxer: OpusMuxer;
  #leg: Leg | null = null;
  /** Where the studio asked to be; the leg may be missing while a dropped push reconnects. */
  #wanted: PushTarget | null = null;
  #nowPlaying: NowPlaying = { artist: '', title: '' };
  #reconnectTimer: NodeJS.Timeout | null = null;
  #ended = false;
  #switching: Promise<void> = Promise.resolve();
  /** Which frames go on air: a backlog resent after a cut is skipped (the recorder still gets it). */
  readonly #edge = new LiveEdge();
  /** The studio is away (detached, or silent for STUDIO_AWAY_MS): no leg until its audio returns. */
  #away = false;
  /** Frames at the live edge that arrived while no leg was open (it is being opened). */
  #waiting: AudioFrame[] = [];
  #lastAiredMs = 0;
  #awayTimer: NodeJS.Timeout | null = null;
  /** Set by the session: a skip to the live edge ended; skippedMs of the backlog never went on air. */
  onLiveEdge: ((skippedMs: number) => void) | null = null;
  /** The DJ's show name and description (empty name: the station's). */
  #show: ShowInfoText = { name: '', description: '' };
  /** The MP3 bitrate the DJ chose for the companion rung: asked for from the next leg opened. */
  #mp3WantedKbps: number;

  static create(opusHead: Uint8Array, deps: LivePushDeps): LivePush {
    return new LivePush(new OpusMuxer({ opusHead }), deps);
  }

  private constructor(muxer: OpusMuxer, deps: LivePushDeps) {
    this.#muxer = muxer;
    this.#mp3WantedKbps = deps.mp3BitrateKbps ?? 128;
    this.#deps = deps;
  }

  /** The show's name and description, and the MP3 bitrate the next leg opens with. */
  get show(): ShowInfoText & { mp3BitrateKbps: number } {
    return { ...this.#show, mp3BitrateKbps: this.#mp3WantedKbps };
  }

  /**
   * PROTOCOL.md §4.13: the show's name and description (every mount fed now and later) and the MP3
   * bitrate (from the next leg). Throws SHOW_BITRATE_REFUSED, changing nothing, for a bitrate
   * not allowed or a change while the push is (or is going) live.
   */
  setShow(show: ShowInfoText & { mp3BitrateKbps?: number }): void {
    const kbps = show.mp3BitrateKbps;
    if (kbps !== undefined && kbps !== this.#mp3WantedKbps) {
      const allowed = this.#deps.mp3BitratesKbps ?? [this.#mp3WantedKbps];
      if (!allowed.includes(kbps)) {
        throw new AircheckError('SHOW_BITRATE_REFUSED',
          `MP3 bitrate ${kbps} kbps is not offered here: pick one of ${allowed.join(', ')} kbps (the station's [studio] mp3_bitrates_kbps)`);
      }
      if (this.#wanted === 'live' || this.#leg?.target === 'live') {
        throw new AircheckError('SHOW_BITRATE_REFUSED',
          `the MP3 bitrate cannot change while the show is on air (it stays ${this.#mp3WantedKbps} kbps): change it before Go live, or after Back to test`);
      }
      this.#mp3WantedKbps = kbps;
    }
    this.#show = { name: show.name, description: show.description };
    // Status pages and listeners joining from now on see it (icy-name, server_name).
    this.#leg?.source.setInfo(this.#streamInfo(this.#leg.target));
  }

  /**
   * What the mount of `target` shows: the show's name (else the station's) and description, as ice-*
   * headers did, and the MP3 bitrate its companion rung encodes at while this leg is open.
   */
  #streamInfo(target: PushTarget): StreamInfo {
    return {
      ...emptyInfo(),
      name: cleanText(this.#show.name || this.#deps.streamName, FIELD_MAX_CHARS.name),
      description: cleanText(this.#show.description, FIELD_MAX_CHARS.description),
      public: target === 'live',
      userAgent: 'Aircheck',
      companionMp3Kbps: this.#mp3WantedKbps,
    };
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
   * Moves the push to target (null: stop pushing). Resolves once the new mounts are the push's;
   * rejects with the registry's code (MOUNT_IN_USE when another source is there), changing nothing.
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
      this.#away = false;
      this.#waiting = [];
      this.#cancelReconnect();
      this.#closeLeg();
      // End show: the title ends with it (the mounts clear theirs when the source leaves), so a show
      // started again on this session begins untitled.
      this.#nowPlaying = { artist: '', title: '' };
      return;
    }
    const leg = this.#open(target);
    this.#wanted = target;
    this.#cancelReconnect();
    this.#closeLeg();
    this.#startLeg(leg);
  }

  setNowPlaying(nowPlaying: NowPlaying): Promise<void> {
    this.#nowPlaying = { ...nowPlaying };
    const leg = this.#leg;
    if (!leg) return Promise.resolve();
    // A new chain with fresh OpusTags: the mount takes its title from them (ICY for the MP3 rung, status).
    this.#feed(leg, this.#muxer.beginChain(randomSerial(), this.#nowPlaying));
    return Promise.resolve();
  }

  onFrame(frame: AudioFrame): void {
    if (this.#ended) return;
    const nowMs = Date.now();
    // Capture time against arrival (live-edge.ts): a backlog resent after a cut is skipped on air, in
    // one piece, up to the newest audio; the recorder (another consumer) still gets every frame.
    const verdict = this.#edge.next(frame.timestampUs, (frame.durationSamples * 1000) / 48, nowMs * 1000, (frame.flags & AUDIO_FRAME_FLAG_DISCONTINUITY) !== 0);
    if (!this.#wanted) return;
    if (verdict.skippedUs !== null) this.#skipped(verdict.skippedUs);
    if (!verdict.air) return;
    this.#lastAiredMs = nowMs;
    const leg = this.#leg;
    if (leg) this.#air(leg, frame);
    else this.#wait(frame);
  }

  /**
   * The studio went away (its connection dropped, or no audio for STUDIO_AWAY_MS) while on air: the
   * push lets go of /live and /live.mp3 now, so their listeners move to the fallback at once, on their
   * connections. The first frame at the live edge opens the mounts again and the listeners move back.
   */
  studioAway(reason: string): void {
    // Only on air: the private preview (/test, no fallback) keeps its listener (the DJ's own player).
    if (this.#ended || this.#away || this.#wanted !== 'live') return;
    this.#away = true;
    this.#waiting = [];
    this.#cancelReconnect();
    const leg = this.#leg;
    if (!leg) return;
    this.#closeLeg();
    this.#deps.log.info({ mounts: this.mountsOf(leg.target), reason }, 'studio away: its mounts play their fallback until its audio returns');
    this.#deps.onAirChanged();
  }

  #air(leg: Leg, frame: AudioFrame): void {
    this.#feed(leg, this.#muxer.push(frame.packet, frame.durationSamples));
  }

  /** Ogg pages from the muxer to the mount, framed into units (durations, headers, chains). */
  #feed(leg: Leg, pages: Uint8Array[]): void {
    if (pages.length === 0) return;
    const units = leg.framer.push(concat(pages));
    if (units.length > 0) leg.source.push(units);
  }

  /** A frame for the air while no leg is open: kept (bounded) until the mounts take the push. */
  #wait(frame: AudioFrame): void {
    if (this.#away) {
      this.#away = false;
      this.#scheduleReconnect(0);
    }
    this.#waiting.push(frame);
    let heldUs = this.#waiting.reduce((n, f) => n + (f.durationSamples * 1000) / 48, 0);
    while (heldUs > MAX_WAITING_US) heldUs -= (this.#waiting.shift()!.durationSamples * 1000) / 48;
  }

  #skipped(skippedUs: number): void {
    const skippedMs = Math.round(skippedUs / 1000);
    this.#deps.log.info({ mounts: this.mountsOf(this.#wanted), skippedMs }, 'backlog skipped on air to keep listeners live; the recording keeps it');
    this.onLiveEdge?.(skippedMs);
  }

  onEnd(): void {
    if (this.#ended) return;
    this.#cancelReconnect();
    if (this.#awayTimer) clearInterval(this.#awayTimer);
    this.#awayTimer = null;
    this.#waiting = [];
    this.#closeLeg();
    this.#wanted = null;
    this.#ended = true;
  }

  /**
   * Claims the target's mount (in process). Throws the registry's AircheckError (MOUNT_IN_USE,
   * SOURCE_LIMIT_REACHED). Nothing plays on it until #startLeg.
   */
  #open(target: PushTarget): Leg {
    const source = InProcessSource.claim(this.#deps.sources, { kind: 'studio', mountPath: this.#deps.mounts[target].opus, remoteAddress: 'studio' });
    return { target, source, framer: new OggFramer() };
  }

  #startLeg(leg: Leg): void {
    this.#leg = leg;
    this.#away = false;
    this.#lastAiredMs = Date.now();
    // The studio's audio stops reaching the air (a cut its connection has not noticed): let go.
    this.#awayTimer ??= setInterval(() => {
      if (this.#leg && Date.now() - this.#lastAiredMs >= STUDIO_AWAY_MS) this.studioAway(`no audio from the studio for ${STUDIO_AWAY_MS} ms`);
    }, 250);
    this.#awayTimer.unref();
    this.#muxer.endChain(); // a chain left open by a lost leg ends there, not on the new one
    leg.source.start('ogg-opus', this.#streamInfo(leg.target));
    this.#feed(leg, this.#muxer.beginChain(randomSerial(), this.#nowPlaying));
    // Taken from the push (an admin's killsource, a shutdown): retry.
    leg.source.onEnded = (reason: string, error: AircheckError | null) => {
      if (this.#leg !== leg) return;
      this.#deps.log.warn({ mount: this.#deps.mounts[leg.target].opus, code: error?.code, reason }, 'studio push lost its mount; claiming it again');
      this.#legLost(leg);
    };
    this.#deps.log.info({ mounts: this.mountsOf(leg.target) }, 'studio push started');
    for (const frame of this.#waiting.splice(0)) if (this.#leg === leg) this.#air(leg, frame);
  }

  #closeLeg(): void {
    const leg = this.#leg;
    if (!leg) return;
    this.#leg = null;
    this.#feed(leg, this.#muxer.endChain());
    // What was queued reaches the mount now; its listeners (and its rungs') move to the fallback at once.
    leg.source.end('studio push stopped');
    this.#deps.log.info({ mounts: this.mountsOf(leg.target) }, 'studio push stopped');
  }

  #legLost(leg: Leg): void {
    if (this.#leg !== leg) return;
    this.#leg = null;
    this.#deps.onAirChanged();
    this.#scheduleReconnect();
  }

  #scheduleReconnect(delayMs = RECONNECT_DELAY_MS): void {
    if (this.#reconnectTimer || this.#ended || !this.#wanted || this.#away) return;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      const wanted = this.#wanted;
      if (!wanted || this.#leg || this.#ended) return;
      this.#switching = this.#switching.then(async () => {
        if (this.#wanted !== wanted || this.#leg || this.#ended) return;
        try {
          this.#startLeg(this.#open(wanted));
          this.#deps.onAirChanged();
        } catch (err) {
          const code = isAircheckError(err) ? err.code : undefined;
          // Shutting down: the session is suspended for the restart, which claims the mounts again.
          if (code === 'SERVER_SHUTTING_DOWN') return;
          this.#deps.log.warn({ code, reason: (err as Error).message }, 'studio push could not claim its mounts; retrying');
          this.#scheduleReconnect();
        }
      });
    }, delayMs);
    this.#reconnectTimer.unref();
  }

  #cancelReconnect(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }
}

function randomSerial(): number {
  return randomInt(1, 0xffff_ffff);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
