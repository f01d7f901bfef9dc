// The bridge's half of the studio's frame numbering (shared/PROTOCOL.md §7.2–7.3): takes the seq of
// each decoded audio frame, passes new frames on, ignores resent ones, refuses gaps, and says when to
// send the cumulative `ack`. Fed by the studio WebSocket edge (after decodeAudioFrame); tells it
// whether to forward the frame to the MP3 companion and mounts. Pure: the caller passes the clock.

import { AircheckError } from '../../../shared/src/errors.ts';

export const DEFAULT_ACK_EVERY_MS = 100;
export const DEFAULT_ACK_EVERY_FRAMES = 10;

export interface FrameSequencerOptions {
  /** The seq the first frame must carry; default 0. */
  firstSeq?: number;
  /** An ack goes out at most this long after a frame arrives; default 100. */
  ackEveryMs?: number;
  /** …or as soon as this many frames (new or resent) arrived since the last ack; default 10. */
  ackEveryFrames?: number;
}

export interface FrameAcceptance {
  /** 'new': forward it; 'duplicate': a resend of a frame already forwarded, drop it. */
  verdict: 'new' | 'duplicate';
  /** Send `{type:'ack', seq: ackSeq}` now; null when no ack is due yet. */
  ackSeq: number | null;
}

export class FrameSequencer {
  readonly ackEveryMs: number;
  readonly ackEveryFrames: number;
  #expectedSeq: number;
  /** Frames (new or duplicate) since the last ack, and when the first of them arrived. */
  #pendingFrames = 0;
  #pendingSinceMs = 0;
  #duplicates = 0;
  #lostFrames = 0;

  constructor(options: FrameSequencerOptions = {}) {
    this.#expectedSeq = options.firstSeq ?? 0;
    this.ackEveryMs = options.ackEveryMs ?? DEFAULT_ACK_EVERY_MS;
    this.ackEveryFrames = options.ackEveryFrames ?? DEFAULT_ACK_EVERY_FRAMES;
    if (!(this.ackEveryMs > 0) || !Number.isInteger(this.ackEveryFrames) || this.ackEveryFrames < 1) {
      throw new RangeError(`FrameSequencer: ackEveryMs (${this.ackEveryMs}) must be > 0 and ackEveryFrames (${this.ackEveryFrames}) a whole number ≥ 1`);
    }
  }

  /** The seq the next new frame must carry: welcome.nextSeq. */
  get expectedSeq(): number {
    return this.#expectedSeq;
  }

  /** The highest contiguous seq received (what an ack carries); -1 before the first frame. */
  get ackedSeq(): number {
    return this.#expectedSeq - 1;
  }

  /** Resent frames ignored so far. */
  get duplicates(): number {
    return this.#duplicates;
  }

  /** Frames the studio dropped from its full buffer before it could resend them (skipped by resume). */
  get lostFrames(): number {
    return this.#lostFrames;
  }

  /**
   * PROTOCOL.md §7.2: (1) seq === expected: new, expected moves on; (2) seq < expected: a resend,
   * ignored but acknowledged again; (3) seq > expected: a gap, thrown as STUDIO_FRAME_OUT_OF_ORDER
   * (close 4005; the studio reconnects and resends from welcome.nextSeq).
   */
  accept(seq: number, nowMs: number): FrameAcceptance {
    if (seq > this.#expectedSeq) {
      throw new AircheckError('STUDIO_FRAME_OUT_OF_ORDER',
        `audio frame seq ${seq} arrived, expected ${this.#expectedSeq} (${seq - this.#expectedSeq} frame(s) missing): frames must be contiguous — reconnect with "resume" and resend from welcome.nextSeq`);
    }
    let verdict: FrameAcceptance['verdict'];
    if (seq === this.#expectedSeq) {
      this.#expectedSeq++;
      verdict = 'new';
    } else {
      this.#duplicates++;
      verdict = 'duplicate';
    }
    if (this.#pendingFrames === 0) this.#pendingSinceMs = nowMs;
    this.#pendingFrames++;
    return { verdict, ackSeq: this.pollAck(nowMs) };
  }

  /** The ack to send now, or null when none is due; call when the timer from nextAckAtMs() fires. */
  pollAck(nowMs: number): number | null {
    if (this.#pendingFrames === 0) return null;
    if (this.#pendingFrames < this.ackEveryFrames && nowMs - this.#pendingSinceMs < this.ackEveryMs) return null;
    this.#pendingFrames = 0;
    return this.ackedSeq;
  }

  /** When an ack falls due by time (schedule a timer for it); null when nothing awaits an ack. */
  nextAckAtMs(): number | null {
    return this.#pendingFrames === 0 ? null : this.#pendingSinceMs + this.ackEveryMs;
  }

  /**
   * PROTOCOL.md §7.1 step 4: a studio resumed on a new connection and holds frames from
   * oldestUnackedSeq on. Returns welcome.nextSeq: where the bridge stopped, or oldestUnackedSeq
   * when the studio had to drop frames the bridge never got (counted in lostFrames). Pending acks
   * are dropped: the welcome acknowledges everything before nextSeq.
   */
  resume(oldestUnackedSeq: number): number {
    if (oldestUnackedSeq > this.#expectedSeq) {
      this.#lostFrames += oldestUnackedSeq - this.#expectedSeq;
      this.#expectedSeq = oldestUnackedSeq;
    }
    this.#pendingFrames = 0;
    return this.#expectedSeq;
  }
}
