// The live push: one of a DJ session's frame consumers. Muxes the studio's Opus packets into Ogg
// (shared/src/ogg/opus-muxer.ts) for /test or /live and encodes the MP3 companion (/test.mp3,
// /live.mp3), each fed in process through an InProcessSource (mounts/mount-source.ts, kind 'studio'):
// no connection, no credential. Moving the target claims the new mounts first (a refusal leaves
// everything as it was), then switches between two frames: nothing upstream restarts and no frame is
// skipped. Fed by dj-session.ts; feeds the mount registry.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { AircheckError, failureGoesToCaller, isAircheckError } from '../../../../shared/src/errors.ts';
import { OpusMuxer, type NowPlaying } from '../../../../shared/src/ogg/opus-muxer.ts';
import { AUDIO_FRAME_FLAG_DISCONTINUITY, type AudioFrame } from '../../../../shared/src/protocol/audio-frame.ts';
import { LiveEdge } from './live-edge.ts';
import type { FrameConsumer, ShowInfoText } from '../../../../shared/src/show-contract.ts';
import { OpusToMp3, type Mp3BitrateKbps } from '../../../../shared/src/mp3/opus-to-mp3.ts';
import { InProcessSource, type MountSourceHost } from '../../mounts/mount-source.ts';
import { emptyInfo, type StreamInfo } from '../../mounts/mount.ts';
import { OggFramer } from '../../../../shared/src/ogg/ogg-framer.ts';
import { FIELD_MAX_CHARS, cleanText } from '../stream-info.ts';

export type PushTarget = 'test' | 'live';

export interface PushMounts {
  opus: string;
  mp3: string;
}

export interface LivePushDeps {
  /** The mounts' source side (the registry): the push claims its mounts there, in process. */
  sources: MountSourceHost;
  mounts: Readonly<Record<PushTarget, PushMounts>>;
  log: Logger;
  /** The stream name listeners see while the DJ has not named the show (the station's name). */
  streamName: string;
  /** The MP3 companion's bitrate unless the DJ picks another, and the ones the DJ may pick (`[studio]`). */
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

/** One mount the push feeds: its source, and (Ogg) the framer that turns the muxer's pages into units. */
interface LegMount {
  source: InProcessSource;
  framer: OggFramer | null;
}

interface Leg {
  target: PushTarget;
  opus: LegMount;
  mp3: LegMount;
}

export class LivePush implements FrameConsumer {
  readonly #deps: LivePushDeps;
  readonly #muxer: OpusMuxer;
  #mp3: OpusToMp3;
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
  /** The MP3 bitrate the DJ chose: the encoder is replaced with one at this rate at the next leg opened. */
  #mp3WantedKbps: Mp3BitrateKbps;
  readonly #channels: 1 | 2;

  static async create(opusHead: Uint8Array, channels: 1 | 2, preSkipSamples: number, deps: LivePushDeps): Promise<LivePush> {
    const muxer = new OpusMuxer({ opusHead });
    const mp3 = await OpusToMp3.create({ channels, preSkipSamples, bitrateKbps: (deps.mp3BitrateKbps ?? 128) as Mp3BitrateKbps });
    return new LivePush(muxer, mp3, channels, deps);
  }

  private constructor(muxer: OpusMuxer, mp3: OpusToMp3, channels: 1 | 2, deps: LivePushDeps) {
    this.#muxer = muxer;
    this.#mp3 = mp3;
    this.#channels = channels;
    this.#mp3WantedKbps = mp3.bitrateKbps;
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
      this.#mp3WantedKbps = kbps as Mp3BitrateKbps;
    }
    this.#show = { name: show.name, description: show.description };
    // Status pages and listeners joining from now on see it (icy-name, server_name).
    const leg = this.#leg;
    if (leg) for (const m of [leg.opus, leg.mp3]) m.source.setInfo(this.#streamInfo(leg.target));
  }

  /** What the mounts of `target` show: the show's name (else the station's) and description, as ice-* headers did. */
  #streamInfo(target: PushTarget): StreamInfo {
    return {
      ...emptyInfo(),
      name: cleanText(this.#show.name || this.#deps.streamName, FIELD_MAX_CHARS.name),
      description: cleanText(this.#show.description, FIELD_MAX_CHARS.description),
      public: target === 'live',
      userAgent: 'Aircheck',
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
    // A bitrate the DJ chose off air: the new leg gets an encoder at that rate (the old one is
    // flushed into the old leg first). Made before the mounts are claimed: nothing waits between the
    // claim and the switch.
    const mp3 = this.#mp3.bitrateKbps === this.#mp3WantedKbps ? null
      : await OpusToMp3.create({ channels: this.#channels, bitrateKbps: this.#mp3WantedKbps });
    let leg: Leg;
    try {
      leg = this.#open(target);
    } catch (err) {
      mp3?.close();
      throw err;
    }
    this.#wanted = target;
    this.#cancelReconnect();
    this.#closeLeg();
    if (mp3) {
      this.#mp3.close();
      this.#mp3 = mp3;
    }
    this.#startLeg(leg);
  }

  setNowPlaying(nowPlaying: NowPlaying): Promise<void> {
    this.#nowPlaying = { ...nowPlaying };
    const leg = this.#leg;
    if (!leg) return Promise.resolve();
    // Opus listeners: a new chain with fresh OpusTags. MP3 listeners: ICY metadata (the mount's title).
    this.#feed(leg.opus, this.#muxer.beginChain(randomSerial(), this.#nowPlaying));
    this.#sendMp3Title(leg);
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
    this.#feed(leg.opus, this.#muxer.push(frame.packet, frame.durationSamples));
    try {
      leg.mp3.source.push(this.#mp3.push(frame.packet));
    } catch (err) {
      this.#deps.log.warn({ err: (err as Error).message }, 'MP3 companion could not encode a packet');
    }
  }

  /** Ogg pages from the muxer to the Opus mount, framed into units (durations, headers, chains). */
  #feed(mount: LegMount, pages: Uint8Array[]): void {
    if (pages.length === 0 || !mount.framer) return;
    const units = mount.framer.push(concat(pages));
    if (units.length > 0) mount.source.push(units);
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
    this.#mp3.close();
  }

  /**
   * Claims the target's two mounts (in process). Throws the registry's AircheckError (MOUNT_IN_USE,
   * SOURCE_LIMIT_REACHED), holding neither mount. Nothing plays on them until #startLeg.
   */
  #open(target: PushTarget): Leg {
    const mounts = this.#deps.mounts[target];
    const claim = (mountPath: string) => InProcessSource.claim(this.#deps.sources, { kind: 'studio', mountPath, remoteAddress: 'studio' });
    const opus = claim(mounts.opus);
    let mp3: InProcessSource;
    try {
      mp3 = claim(mounts.mp3);
    } catch (err) {
      opus.end('studio push refused');
      throw err;
    }
    return { target, opus: { source: opus, framer: new OggFramer() }, mp3: { source: mp3, framer: null } };
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
    const info = this.#streamInfo(leg.target);
    leg.opus.source.start('ogg-opus', info);
    leg.mp3.source.start('mp3', info);
    this.#feed(leg.opus, this.#muxer.beginChain(randomSerial(), this.#nowPlaying));
    // Taken from the push (an admin's killsource, a shutdown): let go of the other mount, retry.
    const lost = (reason: string, error: AircheckError | null) => {
      if (this.#leg !== leg) return;
      this.#deps.log.warn({ mount: this.#deps.mounts[leg.target].opus, code: error?.code, reason }, 'studio push lost its mount; claiming it again');
      this.#legLost(leg);
    };
    leg.opus.source.onEnded = lost;
    leg.mp3.source.onEnded = lost;
    this.#deps.log.info({ mounts: this.mountsOf(leg.target) }, 'studio push started');
    this.#sendMp3Title(leg);
    for (const frame of this.#waiting.splice(0)) if (this.#leg === leg) this.#air(leg, frame);
  }

  #closeLeg(): void {
    const leg = this.#leg;
    if (!leg) return;
    this.#leg = null;
    this.#feed(leg.opus, this.#muxer.endChain());
    try {
      leg.mp3.source.push(this.#mp3.flush());
    } catch {
      // flush after an encoder error: nothing more to send
    }
    // What was queued reaches the mounts now; their listeners move to the fallback at once.
    leg.opus.source.end('studio push stopped');
    leg.mp3.source.end('studio push stopped');
    this.#deps.log.info({ mounts: this.mountsOf(leg.target) }, 'studio push stopped');
  }

  #legLost(leg: Leg): void {
    if (this.#leg !== leg) return;
    this.#leg = null;
    leg.opus.source.end('studio push lost its other mount');
    leg.mp3.source.end('studio push lost its other mount');
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

  /** MP3 listeners' now-playing: the mount's title (ICY metadata, status), as /admin/metadata sets it. */
  #sendMp3Title(leg: Leg): void {
    const { artist, title } = this.#nowPlaying;
    const song = artist && title ? `${artist} - ${title}` : title || artist;
    if (song) leg.mp3.source.setTitle(song);
  }
}

function randomSerial(): number {
  return randomInt(1, 0xffff_ffff);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
