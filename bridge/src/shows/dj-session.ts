// One DJ's show across reconnects (shared/PROTOCOL.md §7): the frame numbering (FrameSequencer), the
// frame consumers (the live push; the recorder joins in issue 4), transitions and now-playing with
// their requestId confirmations, and the resumable-session table. Fed by the WebSocket edge
// (studio-ws.ts) with parsed messages and frames; feeds consumers, and answers through a StudioLink.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import type { AudioFrame } from '../../../shared/src/protocol/audio-frame.ts';
import type { ControlMessage, HelloMessage, MetadataMessage, ShowMessage, RecordingMessage, ServerMessage, StateMessage, StateTarget } from '../../../shared/src/protocol/messages.ts';
import { FrameSequencer } from './frame-sequencer.ts';
import type { LivePush } from '../sources/studio/live-push.ts';
import type { FrameConsumer } from '../../../shared/src/show-contract.ts';
import { StateFile } from '../accounts/state-file.ts';

/** PROTOCOL.md §6: a dropped session stays resumable this long. */
export const RESUMABLE_MS = 180_000;
/** Answers kept per session for repeated requestIds (§4); the oldest are forgotten first. */
const MAX_REMEMBERED_REQUESTS = 256;
/** An ack held back by a consumer (the recorder's open page) this long makes it write what it holds. */
const SAFE_STALL_MS = 250;
/** How often the resumable sessions are written to their file while any exists (their heartbeat). */
const PERSIST_EVERY_MS = 5000;
export const SESSIONS_FILE = 'studio-sessions.json';
/**
 * Audio cannot be captured faster than time passes: a session accepts at most the time since it
 * began of new audio (measured from the packets), plus this slack for what the studio encoded while
 * it connected. A session that began from a resume (the bridge lost it) also gets RESUMABLE_MS,
 * the most a studio buffers through a cut.
 */
export const CAPTURE_SLACK_MS = 10_000;
/** §4.12: how often the listener count is checked; an `audience` goes out only when it changed. */
export const AUDIENCE_EVERY_MS = 2000;

/** One session as `<data_dir>/studio-sessions.json` keeps it, so a restarted bridge can resume it. */
export interface StoredSession {
  id: string;
  dj: string;
  /** Where the studio asked to be: the push goes back there when the studio resumes. */
  target: StateTarget;
  /** The seq the studio resends from: nothing before it is only in memory. */
  nextSeq: number;
  /** The studio encoder's OpusHead (base64) and channels. */
  opusHead: string;
  channels: 1 | 2;
  /** The recording it feeds (null before the first frame). */
  showId: string | null;
  /** When it was last known alive: connected at this time, or dropped then. */
  aliveAtMs: number;
  /** When the session began, and the new audio it accepted (samples at 48 kHz, from the packets). */
  startedAtMs?: number;
  audioSamples?: number;
  /** The show's name, description and MP3 bitrate (§4.13), for the mounts after a restart. */
  show?: { name: string; description: string; mp3BitrateKbps: number };
}

export interface DjSessionOptions {
  /** A session restored after a restart keeps its id and target (the push moves back on resume). */
  id?: string;
  target?: StateTarget;
  /** What the hello declared, kept for a restart. */
  codec?: { opusHead: Uint8Array; channels: 1 | 2 };
  /** A restored session's start and the audio it had accepted (for the capture-time bound). */
  startedAtMs?: number;
  audioSamples?: number;
  /** Audio beyond elapsed time the session may accept once (a backlog): CAPTURE_SLACK_MS by default. */
  backlogAllowanceMs?: number;
  /** A consumer threw on a frame (INGEST_CONSUMER_FAILED): counted for every frame, logged once per show. */
  onConsumerFailed?: (code: ErrorCode) => void;
  /** §4.12: listeners connected now to these mounts (the studio's header shows them). */
  listenerCount?: (mounts: readonly string[]) => number;
}

/** The session's side of one WebSocket connection. */
export interface StudioLink {
  send(message: ServerMessage): void;
  /** Closes the connection with the code for err (an error message goes first). */
  closeWith(err: AircheckError): void;
}

export interface SessionStatus {
  dj: string;
  connected: boolean;
  target: StateTarget;
  onAir: boolean;
  mounts: string[];
  nextSeq: number;
  framesReceived: number;
  duplicates: number;
  reconnects: number;
  lostFrames: number;
  /** Of lostFrames: frames received but not recorded (disk full, …). */
  recordingLostFrames: number;
}

export class DjSession {
  readonly id: string;
  readonly dj: string;
  readonly codec: { opusHead: Uint8Array; channels: 1 | 2 } | null;
  /** Called when what a restart needs changed (target, connection); DjSessions persists it. */
  onChange: (() => void) | null = null;
  readonly #push: LivePush;
  readonly #consumers: FrameConsumer[];
  readonly #sequencer: FrameSequencer;
  readonly #log: Logger;
  readonly #answers = new Map<string, ServerMessage | Promise<ServerMessage>>();
  #link: StudioLink | null = null;
  #ackTimer: NodeJS.Timeout | null = null;
  #target: StateTarget = 'none';
  #framesReceived = 0;
  #connections = 0;
  #ended = false;
  /** The recording's last reported health (§4.11), repeated after each welcome while failing. */
  #recording: RecordingMessage | null = null;
  /** The last ack sent on this connection (welcome.nextSeq - 1 counts), and the one the sequencer wants. */
  #ackSent = -1;
  #ackWanted = -1;
  #stallTimer: NodeJS.Timeout | null = null;
  /** After `end`: everything received is made safe and acknowledged at once (§7.1 step 9). */
  #draining = false;
  /** A target restored after a restart, applied when the studio resumes. */
  #restoreTarget: StateTarget | null = null;
  detachedAtMs: number | null = null;
  readonly #startedAtMs: number;
  #audioSamples: number;
  readonly #backlogAllowanceMs: number;
  readonly #onConsumerFailed: ((code: ErrorCode) => void) | undefined;
  /** Frames each consumer threw on this show (logged at the first and summed up at the end, not per 20 ms frame). */
  readonly #consumerFailures = new Map<FrameConsumer, number>();
  readonly #listenerCount: ((mounts: readonly string[]) => number) | undefined;
  #audienceTimer: NodeJS.Timeout | null = null;
  #audienceSent: number | null = null;

  /** consumers: every frame goes to each, in order (the push is one of them). */
  /**
   * firstSeq: 0, or a new session for a studio that resumed an unknown session keeps its numbering
   * (§4.5) and starts at its resume.oldestUnackedSeq.
   */
  constructor(dj: string, push: LivePush, consumers: FrameConsumer[], log: Logger, firstSeq = 0, opts: DjSessionOptions = {}) {
    this.id = opts.id ?? randomBytes(12).toString('base64url');
    this.dj = dj;
    this.codec = opts.codec ?? null;
    this.#sequencer = new FrameSequencer({ firstSeq });
    this.#push = push;
    this.#consumers = consumers;
    this.#log = log.child({ dj, session: this.id.slice(0, 6) });
    this.#startedAtMs = opts.startedAtMs ?? Date.now();
    this.#audioSamples = opts.audioSamples ?? 0;
    this.#backlogAllowanceMs = opts.backlogAllowanceMs ?? (firstSeq > 0 ? RESUMABLE_MS + CAPTURE_SLACK_MS : CAPTURE_SLACK_MS);
    this.#onConsumerFailed = opts.onConsumerFailed;
    this.#listenerCount = opts.listenerCount;
    if (opts.target && opts.target !== 'none') {
      this.#target = opts.target;
      this.#restoreTarget = opts.target;
    }
    for (const c of consumers) if (c.safeSeq) c.onSafe = () => this.#ackWhatIsSafe();
    // §4.14: a backlog resent after a cut was skipped on air (the recorder has it): tell the studio.
    push.onLiveEdge = (skippedMs) => this.#link?.send({ type: 'live-edge', skippedMs });
  }

  /** The seq the studio must resend from: received and safe in every consumer (the recorder's spool). */
  get safeNextSeq(): number {
    return Math.min(this.#sequencer.expectedSeq, this.#safeSeq() + 1);
  }

  /** What `<data_dir>/studio-sessions.json` keeps of this session. */
  stored(nowMs: number): StoredSession | null {
    if (!this.codec || this.#ended) return null;
    return {
      id: this.id, dj: this.dj, target: this.#target, nextSeq: this.safeNextSeq,
      opusHead: Buffer.from(this.codec.opusHead).toString('base64'), channels: this.codec.channels,
      showId: this.#consumers.find((c) => c.showId)?.showId ?? null,
      aliveAtMs: this.#link ? nowMs : (this.detachedAtMs ?? nowMs),
      startedAtMs: this.#startedAtMs, audioSamples: this.#audioSamples,
      show: this.#push.show,
    };
  }

  get ended(): boolean {
    return this.#ended;
  }

  get link(): StudioLink | null {
    return this.#link;
  }

  /** §7.1 steps 3–4: takes over the connection (the previous one gets 4008) and greets it. */
  attach(link: StudioLink, hello: HelloMessage, resumed: boolean): void {
    const previous = this.#link;
    this.#link = link;
    this.detachedAtMs = null;
    if (previous && previous !== link) {
      previous.closeWith(new AircheckError('STUDIO_SESSION_TAKEN', 'another connection took this show over (a second tab, or a reconnect): continue there'));
    }
    this.#connections++;
    if (resumed && hello.resume) {
      const expected = this.#sequencer.expectedSeq;
      const skipTo = this.#sequencer.resume(hello.resume.oldestUnackedSeq);
      if (hello.resume.tabLost && skipTo > expected) {
        // §7.6: a reopened studio tab continues the numbering where the wall clock says the show is;
        // the frames in between died with the old tab, and the recording's gap says so.
        const reason = `the studio tab was reloaded, closed or crashed: ${skipTo - expected} frame(s) it had not sent, and the time until it came back, are missing`;
        for (const c of this.#consumers) c.onStudioGap?.('STUDIO_TAB_LOST', reason);
        this.#log.warn({ code: 'STUDIO_TAB_LOST', missingFrames: skipTo - expected }, 'studio tab came back: the audio it lost is a gap in the recording');
      }
    }
    this.#clearAckTimer();
    // welcome.nextSeq acknowledges everything before it: only what every consumer holds safe (frames
    // received but not yet in the recorder's spool are resent, and ignored as duplicates).
    const nextSeq = this.safeNextSeq;
    this.#ackSent = this.#ackWanted = nextSeq - 1;
    link.send({
      type: 'welcome', protocol: 1, sessionId: this.id, resumed, nextSeq,
      ackEveryMs: this.#sequencer.ackEveryMs, ackEveryFrames: this.#sequencer.ackEveryFrames,
    });
    link.send(this.#state(null));
    if (this.#recording?.status === 'failing') link.send(this.#recording);
    this.#sendAudience(true);
    this.#audienceTimer ??= setInterval(() => this.#sendAudience(false), AUDIENCE_EVERY_MS);
    this.#audienceTimer.unref();
    this.#log.info({ resumed, nextSeq, connections: this.#connections }, 'studio connected');
    const restore = this.#restoreTarget;
    this.#restoreTarget = null;
    if (restore && restore !== 'none') {
      // Resumed after a restart: the push goes back where the studio was (on air again for /live).
      void this.#push.setTarget(restore).then(() => {
        if (restore === 'live') for (const c of this.#consumers) c.onWentLive?.();
        this.#log.info({ target: restore }, 'push restored after a restart');
        this.pushChanged();
      }, (err) => {
        this.#target = 'none';
        this.#log.warn({ target: restore, err: (err as Error).message }, 'could not restore the push after a restart');
        this.pushChanged();
      });
    }
    this.onChange?.();
  }

  /**
   * Acknowledges everything received, now: after `end` the studio closes only once every frame is
   * acknowledged (PROTOCOL.md §7.1 step 9), so nothing may wait for the ack timer.
   */
  flushAck(): void {
    this.#draining = true;
    const seq = this.#sequencer.pollAck(Number.POSITIVE_INFINITY);
    if (seq !== null) this.#sendAck(seq);
    else this.#ackWhatIsSafe();
  }

  /** The connection went away; the show stays resumable (the caller times it out). */
  detach(link: StudioLink): void {
    if (this.#link !== link) return;
    this.#link = null;
    this.detachedAtMs = Date.now();
    // The show stays resumable, but its mounts must not play dead air meanwhile: they fall back now
    // and come back with the studio's first frame at the live edge (live-push.ts).
    this.#push.studioAway('studio disconnected');
    this.#clearAckTimer();
    this.#clearStallTimer();
    this.#clearAudienceTimer();
    this.#log.info({ nextSeq: this.#sequencer.expectedSeq }, 'studio disconnected; session resumable');
    this.onChange?.();
  }

  /** §7.2: a decoded frame. Throws STUDIO_FRAME_OUT_OF_ORDER for a gap. */
  onFrame(frame: AudioFrame, nowMs: number): void {
    if (frame.seq === this.#sequencer.expectedSeq) {
      // New audio (its duration is the packet's own: audio-frame.ts checks the TOC byte), checked
      // before the sequencer counts it, so a refused frame is asked for again after a reconnect.
      const audioMs = ((this.#audioSamples + frame.durationSamples) / 48_000) * 1000;
      const allowedMs = nowMs - this.#startedAtMs + this.#backlogAllowanceMs;
      if (audioMs > allowedMs) {
        throw new AircheckError('STUDIO_RATE_LIMITED',
          `the studio sent ${(audioMs / 1000).toFixed(1)} s of audio in a show that began ${((nowMs - this.#startedAtMs) / 1000).toFixed(1)} s ago: audio cannot arrive faster than it is captured (${this.#backlogAllowanceMs / 1000} s of backlog allowed)`);
      }
    }
    const { verdict, ackSeq } = this.#sequencer.accept(frame.seq, nowMs);
    if (verdict === 'new') {
      this.#audioSamples += frame.durationSamples;
      this.#framesReceived++;
      for (const c of this.#consumers) {
        try {
          c.onFrame(frame);
        } catch (err) {
          this.#consumerFailed(c, frame.seq, err);
        }
      }
    }
    if (ackSeq !== null) this.#sendAck(ackSeq);
    else this.#armAckTimer();
  }

  /** §4.2: answered by a state with its requestId, or an error that leaves the state unchanged. */
  async control(message: ControlMessage): Promise<void> {
    const answer = this.#remembered(message.requestId, async () => {
      try {
        if (message.action === 'end') {
          await this.#push.setTarget(null);
          this.#target = 'none';
          return this.#state(message.requestId);
        }
        await this.#push.setTarget(message.action);
        this.#target = message.action;
        if (message.action === 'live') for (const c of this.#consumers) c.onWentLive?.();
        this.onChange?.();
        return this.#state(message.requestId);
      } catch (err) {
        const error = isAircheckError(err) ? err : new AircheckError('SOURCE_PUSH_FAILED', `could not move the push: ${(err as Error).message}`, { cause: err });
        this.#log.warn({ action: message.action, code: error.code }, 'studio transition refused');
        return { type: 'error', code: error.code, message: error.message.slice(0, 1000), requestId: message.requestId };
      }
    });
    this.#link?.send(await answer);
    if (message.action === 'end') this.#log.info('show ended by the DJ');
  }

  /** §4.3: kept, applied to every mount fed now and later, then acknowledged. */
  async metadata(message: MetadataMessage): Promise<void> {
    const answer = this.#remembered(message.requestId, async () => {
      const nowPlaying = { artist: message.artist, title: message.title };
      // The recorder first: the title is kept at the audio position it arrived at, not after the push's update.
      for (const c of this.#consumers) c.onMetadata?.(nowPlaying);
      await this.#push.setNowPlaying(nowPlaying);
      return { type: 'metadata-ack', requestId: message.requestId };
    });
    this.#link?.send(await answer);
  }

  /**
   * §4.13: the show's name and description (every mount fed now and later, the recording) and the
   * MP3 bitrate; acknowledged with metadata-ack, or an error (SHOW_BITRATE_REFUSED) that changes nothing.
   */
  async show(message: ShowMessage): Promise<void> {
    const answer = this.#remembered(message.requestId, async () => {
      const show = { name: message.name, description: message.description };
      try {
        this.#push.setShow({ ...show, mp3BitrateKbps: message.mp3BitrateKbps });
      } catch (err) {
        if (!isAircheckError(err)) throw err;
        this.#log.info({ code: err.code, mp3BitrateKbps: message.mp3BitrateKbps }, 'studio show settings refused');
        return { type: 'error', code: err.code, message: err.message.slice(0, 1000), requestId: message.requestId };
      }
      for (const c of this.#consumers) c.onShow?.(show);
      this.onChange?.(); // kept for a restart (StoredSession.show)
      return { type: 'metadata-ack', requestId: message.requestId };
    });
    this.#link?.send(await answer);
  }

  /** §4.11: the recorder reports that the show's recording fails, or records again: tell the studio. */
  recordingChanged(health: Omit<RecordingMessage, 'type'>): void {
    this.#recording = { type: 'recording', ...health };
    this.#link?.send(this.#recording);
  }

  /** A push dropped or came back by itself: tell the studio (requestId null). */
  pushChanged(): void {
    this.#link?.send(this.#state(null));
  }

  /**
   * Shutdown for a restart (SIGTERM): the show is not over. Timers stop, consumers make safe what they
   * hold (the recorder flushes; nothing is finalized), and the session is kept in the file as detached
   * now, so the restarted bridge restores it and the studio resumes it (§7.5), as after a crash.
   */
  suspend(): void {
    if (this.#ended) return;
    this.#clearAckTimer();
    this.#clearStallTimer();
    this.#clearAudienceTimer();
    if (this.detachedAtMs === null) this.detachedAtMs = Date.now();
    for (const c of this.#consumers) c.flush?.();
  }

  /** The show is over (end + close, or the resumable time ran out): consumers let go. */
  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#clearAckTimer();
    this.#clearStallTimer();
    this.#clearAudienceTimer();
    for (const c of this.#consumers) c.onEnd(reason);
    for (const [c, frames] of this.#consumerFailures) {
      this.#log.error({ code: 'INGEST_CONSUMER_FAILED', consumer: consumerName(c), frames }, 'a frame consumer failed on frames of this show');
    }
    this.#log.info({ reason, framesReceived: this.#framesReceived }, 'studio session ended');
  }

  /** Counted every time; logged at a consumer's first failure in the show (a broken one throws every 20 ms). */
  #consumerFailed(c: FrameConsumer, seq: number, err: unknown): void {
    const failures = (this.#consumerFailures.get(c) ?? 0) + 1;
    this.#consumerFailures.set(c, failures);
    this.#onConsumerFailed?.('INGEST_CONSUMER_FAILED');
    if (failures === 1) {
      this.#log.error({ code: 'INGEST_CONSUMER_FAILED', consumer: consumerName(c), seq, err: (err as Error).message }, 'frame consumer failed; further failures of this consumer in this show are counted, not logged');
    }
  }

  status(): SessionStatus {
    const onAir = this.#target === 'live' && this.#push.activeTarget === 'live';
    return {
      dj: this.dj,
      connected: this.#link !== null,
      target: this.#target,
      onAir,
      mounts: this.#push.mountsOf(this.#push.activeTarget),
      nextSeq: this.#sequencer.expectedSeq,
      framesReceived: this.#framesReceived,
      duplicates: this.#sequencer.duplicates,
      reconnects: Math.max(0, this.#connections - 1),
      // Frames the studio could not deliver, plus those a consumer (the recorder) received but dropped.
      lostFrames: this.#sequencer.lostFrames + this.#consumers.reduce((n, c) => n + (c.lostFrames ?? 0), 0),
      recordingLostFrames: this.#consumers.reduce((n, c) => n + (c.lostFrames ?? 0), 0),
    };
  }

  #state(requestId: string | null): StateMessage {
    const s = this.status();
    return { type: 'state', target: s.target, onAir: s.onAir, mounts: s.mounts, requestId };
  }

  /** §4.12: the listener count and the show's age; sent when forced (after welcome) or when the count changed. */
  #sendAudience(force: boolean): void {
    if (!this.#link) return;
    const listeners = this.#listenerCount?.(this.#push.mountsOf(this.#push.activeTarget)) ?? 0;
    if (!force && listeners === this.#audienceSent) return;
    this.#audienceSent = listeners;
    this.#link.send({ type: 'audience', listeners, showElapsedMs: Math.max(0, Math.round(Date.now() - this.#startedAtMs)) });
  }

  #clearAudienceTimer(): void {
    if (this.#audienceTimer) clearInterval(this.#audienceTimer);
    this.#audienceTimer = null;
  }

  #remembered(requestId: string, run: () => Promise<ServerMessage>): Promise<ServerMessage> {
    const known = this.#answers.get(requestId);
    if (known) return Promise.resolve(known);
    const pending = run();
    this.#answers.set(requestId, pending);
    void pending.then((answer) => {
      if (this.#answers.get(requestId) === pending) this.#answers.set(requestId, answer);
    });
    while (this.#answers.size > MAX_REMEMBERED_REQUESTS) this.#answers.delete(this.#answers.keys().next().value!);
    return pending;
  }

  #sendAck(seq: number): void {
    this.#clearAckTimer();
    this.#ackWanted = Math.max(this.#ackWanted, seq);
    this.#ackWhatIsSafe();
  }

  /** The lowest safeSeq of the consumers that keep one (+Infinity when none holds anything back). */
  #safeSeq(): number {
    let safe = Number.POSITIVE_INFINITY;
    for (const c of this.#consumers) if (c.safeSeq) safe = Math.min(safe, c.safeSeq());
    return safe;
  }

  /**
   * §7.3: an ack tells the studio it may forget the frames, so it carries only what the recorder has
   * written (a crash right after it loses nothing). An ack held back by the recorder's open page
   * for SAFE_STALL_MS (the studio paused), or after `end`, makes the recorder write it at once.
   */
  #ackWhatIsSafe(): void {
    if (!this.#link || this.#ended) return;
    const seq = Math.min(this.#ackWanted, this.#safeSeq());
    if (seq > this.#ackSent) {
      this.#ackSent = seq;
      this.#link.send({ type: 'ack', seq });
      this.#clearStallTimer();
    }
    if (this.#ackWanted <= this.#ackSent) return this.#clearStallTimer();
    if (this.#draining) {
      for (const c of this.#consumers) c.flush?.();
      return;
    }
    this.#stallTimer ??= setTimeout(() => {
      this.#stallTimer = null;
      for (const c of this.#consumers) c.flush?.();
    }, SAFE_STALL_MS);
  }

  #clearStallTimer(): void {
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }

  #armAckTimer(): void {
    if (this.#ackTimer) return;
    const at = this.#sequencer.nextAckAtMs();
    if (at === null) return;
    this.#ackTimer = setTimeout(() => {
      this.#ackTimer = null;
      const seq = this.#sequencer.pollAck(Date.now());
      if (seq !== null) this.#sendAck(seq);
      else this.#armAckTimer();
    }, Math.max(0, at - Date.now()) + 1);
  }

  #clearAckTimer(): void {
    if (this.#ackTimer) clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
  }
}

/** Ended shows kept in the status for operators (and tests) to read their final figures. */
const MAX_ENDED_KEPT = 20;

/**
 * The sessions of every DJ: find by id for resume, one show per DJ, expiry of dropped sessions. With
 * a file (`<data_dir>/studio-sessions.json`, 0600, atomic) every session is kept there — on each
 * change and every PERSIST_EVERY_MS — so a restarted bridge restores them (restorable()) and the
 * studio resumes the same show.
 */
export class DjSessions {
  readonly #sessions = new Map<string, DjSession>();
  /** Final figures of the shows that ended most recently (newest last), for the admin status. */
  readonly #ended: (SessionStatus & { endedAt: string; reason: string })[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #file: StateFile<{ version: 1; sessions: StoredSession[] }> | null;
  #persistedAtMs = 0;
  /** How long a dropped session stays resumable (`limits.studio_resumable_seconds`; §6). */
  readonly resumableMs: number;

  constructor(opts: { file?: string | null; log?: Logger | null; resumableMs?: number } = {}) {
    this.resumableMs = opts.resumableMs ?? RESUMABLE_MS;
    this.#file = opts.file ? new StateFile(opts.file, opts.log ?? null) : null;
    this.#timer = setInterval(() => {
      const nowMs = Date.now();
      this.expire(nowMs);
      if (this.#sessions.size > 0 && nowMs - this.#persistedAtMs >= PERSIST_EVERY_MS - 100) void this.persist();
    }, 5000);
    this.#timer.unref();
  }

  /** The sessions the file holds that are still resumable (dropped less than RESUMABLE_MS ago), for a restart. */
  restorable(nowMs = Date.now()): StoredSession[] {
    const stored = this.#file?.load();
    if (!stored || stored.version !== 1 || !Array.isArray(stored.sessions)) return [];
    return stored.sessions.filter((s) => typeof s?.id === 'string' && typeof s.dj === 'string' && Number.isInteger(s.nextSeq) && s.nextSeq >= 0
      && typeof s.opusHead === 'string' && (s.channels === 1 || s.channels === 2) && ['none', 'test', 'live'].includes(s.target)
      && typeof s.aliveAtMs === 'number' && nowMs - s.aliveAtMs <= this.resumableMs);
  }

  /** Writes every live session to the file (resolves when written; never rejects). */
  persist(): Promise<void> {
    if (!this.#file) return Promise.resolve();
    const nowMs = Date.now();
    this.#persistedAtMs = nowMs;
    const sessions = [...this.#sessions.values()].map((s) => s.stored(nowMs)).filter((s): s is StoredSession => s !== null);
    return this.#file.save({ version: 1, sessions });
  }

  /** §7.1 step 3: the session to resume, when it is this DJ's and not ended. */
  find(dj: string, sessionId: string | undefined): DjSession | null {
    if (!sessionId) return null;
    const s = this.#sessions.get(sessionId);
    return s && s.dj === dj && !s.ended ? s : null;
  }

  /** The DJ's current show, if any (a second live session takes it over). */
  ofDj(dj: string): DjSession | null {
    for (const s of this.#sessions.values()) if (s.dj === dj && !s.ended) return s;
    return null;
  }

  add(session: DjSession): void {
    this.#sessions.set(session.id, session);
    session.onChange = () => void this.persist();
    void this.persist();
  }

  remove(session: DjSession, reason: string): void {
    this.#sessions.delete(session.id);
    session.onChange = null;
    void this.persist();
    session.end(reason);
    this.#ended.push({ ...session.status(), connected: false, endedAt: new Date().toISOString(), reason });
    if (this.#ended.length > MAX_ENDED_KEPT) this.#ended.shift();
  }

  /** The last shows that ended, with their final frame counts (newest last). */
  recentlyEnded(): readonly (SessionStatus & { endedAt: string; reason: string })[] {
    return this.#ended;
  }

  expire(nowMs: number): void {
    for (const s of [...this.#sessions.values()]) {
      if (s.detachedAtMs !== null && nowMs - s.detachedAtMs > this.resumableMs) this.remove(s, `not resumed within ${this.resumableMs / 1000} s`);
    }
  }

  all(): DjSession[] {
    return [...this.#sessions.values()];
  }

  closeAll(reason: string): void {
    clearInterval(this.#timer);
    for (const s of [...this.#sessions.values()]) this.remove(s, reason);
  }

  /**
   * Shutdown: every session is suspended, not ended (a restart is not the end of a show), and written
   * to the file; resolves when written. Without a file (no data dir) there is nothing to resume from,
   * so the sessions end as before.
   */
  suspendAll(reason: string): Promise<void> {
    if (!this.#file) {
      this.closeAll(reason);
      return Promise.resolve();
    }
    clearInterval(this.#timer);
    for (const s of this.#sessions.values()) {
      s.onChange = null;
      s.suspend();
    }
    return this.persist();
  }
}

/** For the log: the recorder (it carries a show id), else the consumer's class (LivePush). */
function consumerName(c: FrameConsumer): string {
  return c.showId !== undefined ? 'recorder' : c.constructor.name;
}
