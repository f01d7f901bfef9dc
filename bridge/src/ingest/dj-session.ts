// One DJ's show across reconnects (shared/PROTOCOL.md §7): the frame numbering (FrameSequencer), the
// frame consumers (the live push; the recorder joins in issue 4), transitions and now-playing with
// their requestId confirmations, and the resumable-session table. Fed by the WebSocket edge
// (studio-ws.ts) with parsed messages and frames; feeds consumers, and answers through a StudioLink.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import type { AudioFrame } from '../../../shared/src/protocol/audio-frame.ts';
import type { ControlMessage, HelloMessage, MetadataMessage, ServerMessage, StateMessage, StateTarget } from '../../../shared/src/protocol/messages.ts';
import { FrameSequencer } from './frame-sequencer.ts';
import type { FrameConsumer, LivePush } from './live-push.ts';

/** PROTOCOL.md §6: a dropped session stays resumable this long. */
export const RESUMABLE_MS = 180_000;
/** Answers kept per session for repeated requestIds (§4); the oldest are forgotten first. */
const MAX_REMEMBERED_REQUESTS = 256;

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
}

export class DjSession {
  readonly id = randomBytes(12).toString('base64url');
  readonly dj: string;
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
  detachedAtMs: number | null = null;

  /** consumers: every frame goes to each, in order (the push is one of them). */
  /**
   * firstSeq: 0, or a new session for a studio that resumed an unknown session keeps its numbering
   * (§4.5) and starts at its resume.oldestUnackedSeq.
   */
  constructor(dj: string, push: LivePush, consumers: FrameConsumer[], log: Logger, firstSeq = 0) {
    this.dj = dj;
    this.#sequencer = new FrameSequencer({ firstSeq });
    this.#push = push;
    this.#consumers = consumers;
    this.#log = log.child({ dj, session: this.id.slice(0, 6) });
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
    if (resumed && hello.resume) this.#sequencer.resume(hello.resume.oldestUnackedSeq);
    this.#clearAckTimer();
    link.send({
      type: 'welcome', protocol: 1, sessionId: this.id, resumed, nextSeq: this.#sequencer.expectedSeq,
      ackEveryMs: this.#sequencer.ackEveryMs, ackEveryFrames: this.#sequencer.ackEveryFrames,
    });
    link.send(this.#state(null));
    this.#log.info({ resumed, nextSeq: this.#sequencer.expectedSeq, connections: this.#connections }, 'studio connected');
  }

  /**
   * Acknowledges everything received, now: after `end` the studio closes only once every frame is
   * acknowledged (PROTOCOL.md §7.1 step 9), so nothing may wait for the ack timer.
   */
  flushAck(): void {
    const seq = this.#sequencer.pollAck(Number.POSITIVE_INFINITY);
    if (seq !== null) this.#sendAck(seq);
  }

  /** The connection went away; the show stays resumable (the caller times it out). */
  detach(link: StudioLink): void {
    if (this.#link !== link) return;
    this.#link = null;
    this.detachedAtMs = Date.now();
    this.#clearAckTimer();
    this.#log.info({ nextSeq: this.#sequencer.expectedSeq }, 'studio disconnected; session resumable');
  }

  /** §7.2: a decoded frame. Throws STUDIO_FRAME_OUT_OF_ORDER for a gap. */
  onFrame(frame: AudioFrame, nowMs: number): void {
    const { verdict, ackSeq } = this.#sequencer.accept(frame.seq, nowMs);
    if (verdict === 'new') {
      this.#framesReceived++;
      for (const c of this.#consumers) {
        try {
          c.onFrame(frame);
        } catch (err) {
          this.#log.error({ err }, 'frame consumer failed');
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
      await this.#push.setNowPlaying({ artist: message.artist, title: message.title });
      return { type: 'metadata-ack', requestId: message.requestId };
    });
    this.#link?.send(await answer);
  }

  /** A push dropped or came back by itself: tell the studio (requestId null). */
  pushChanged(): void {
    this.#link?.send(this.#state(null));
  }

  /** The show is over (end + close, or the resumable time ran out): consumers let go. */
  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#clearAckTimer();
    for (const c of this.#consumers) c.onEnd();
    this.#log.info({ reason, framesReceived: this.#framesReceived }, 'studio session ended');
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
      lostFrames: this.#sequencer.lostFrames,
    };
  }

  #state(requestId: string | null): StateMessage {
    const s = this.status();
    return { type: 'state', target: s.target, onAir: s.onAir, mounts: s.mounts, requestId };
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
    if (seq >= 0) this.#link?.send({ type: 'ack', seq });
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

/** The sessions of every DJ: find by id for resume, one show per DJ, expiry of dropped sessions. */
export class DjSessions {
  readonly #sessions = new Map<string, DjSession>();
  /** Final figures of the shows that ended most recently (newest last), for the admin status. */
  readonly #ended: (SessionStatus & { endedAt: string; reason: string })[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#timer = setInterval(() => this.expire(Date.now()), 5000);
    this.#timer.unref();
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
  }

  remove(session: DjSession, reason: string): void {
    this.#sessions.delete(session.id);
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
      if (s.detachedAtMs !== null && nowMs - s.detachedAtMs > RESUMABLE_MS) this.remove(s, 'not resumed in time');
    }
  }

  all(): DjSession[] {
    return [...this.#sessions.values()];
  }

  closeAll(reason: string): void {
    clearInterval(this.#timer);
    for (const s of [...this.#sessions.values()]) this.remove(s, reason);
  }
}
