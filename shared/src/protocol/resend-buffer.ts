// The studio's buffer of sent-but-unacknowledged audio frames (shared/PROTOCOL.md §7.3): the encoder
// pushes every frame here before sending it, the bridge's acks release them, and after a reconnect
// the frames from welcome.nextSeq are sent again. Also the health display's "send buffer". Pure: the
// caller passes the clock.
//
// Overflow policy: drop oldest. The buffer holds at most maxDurationMs of audio and maxBytes of
// frames; a push beyond either drops the oldest frames (never the one pushed), counts them in
// droppedFrames/droppedMs, and returns how many it dropped so the caller can log once. Dropped frames
// are lost to the show: hello.resume.oldestUnackedSeq (= oldestSeq) tells the bridge where to resume.

/** 3 minutes: the issue asks for at least 2, the rest covers the reconnect backoff. */
export const DEFAULT_RESEND_BUFFER_MS = 180_000;
/** 3 minutes at 510 kbps (Opus' maximum) is 11.5 MB; 16 MiB leaves room for the 16-byte frame headers. */
export const DEFAULT_RESEND_BUFFER_BYTES = 16 * 1024 * 1024;
const SAMPLES_PER_MS = 48;

export interface ResendFrame {
  seq: number;
  /** Samples per channel at 48 kHz. */
  durationSamples: number;
  /** What to send again: the encoded binary message (audio-frame.ts). */
  data: Uint8Array;
}

export interface ResendBufferOptions {
  /** Default DEFAULT_RESEND_BUFFER_MS. */
  maxDurationMs?: number;
  /** Default DEFAULT_RESEND_BUFFER_BYTES. */
  maxBytes?: number;
  /** The seq of the first frame to be pushed; default 0. */
  firstSeq?: number;
}

interface Held {
  frame: ResendFrame;
  pushedAtMs: number;
}

export class ResendBuffer {
  readonly maxDurationMs: number;
  readonly maxBytes: number;
  #frames: Held[] = [];
  #head = 0;
  #nextSeq: number;
  #samples = 0;
  #bytes = 0;
  #droppedFrames = 0;
  #droppedSamples = 0;

  constructor(options: ResendBufferOptions = {}) {
    this.maxDurationMs = options.maxDurationMs ?? DEFAULT_RESEND_BUFFER_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_RESEND_BUFFER_BYTES;
    this.#nextSeq = options.firstSeq ?? 0;
    if (!(this.maxDurationMs > 0) || !(this.maxBytes > 0)) {
      throw new RangeError(`ResendBuffer: maxDurationMs (${this.maxDurationMs}) and maxBytes (${this.maxBytes}) must be positive`);
    }
  }

  /** The seq the next pushed frame must carry. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** The oldest seq still held (nextSeq when empty): hello.resume.oldestUnackedSeq. */
  get oldestSeq(): number {
    return this.#head < this.#frames.length ? (this.#frames[this.#head] as Held).frame.seq : this.#nextSeq;
  }

  /** Frames held. */
  get length(): number {
    return this.#frames.length - this.#head;
  }

  /** Audio held, in ms: the health display's "send buffer". */
  get bufferedMs(): number {
    return this.#samples / SAMPLES_PER_MS;
  }

  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Frames dropped by overflow since the buffer was made. */
  get droppedFrames(): number {
    return this.#droppedFrames;
  }

  get droppedMs(): number {
    return this.#droppedSamples / SAMPLES_PER_MS;
  }

  /**
   * Holds a frame until the bridge acknowledges it; its seq must be nextSeq. Returns how many of the
   * oldest frames the bounds made it drop (usually 0).
   */
  push(frame: ResendFrame, nowMs: number): number {
    if (frame.seq !== this.#nextSeq) {
      throw new RangeError(`ResendBuffer: pushed seq ${frame.seq}, expected ${this.#nextSeq}; frames are numbered contiguously`);
    }
    this.#frames.push({ frame, pushedAtMs: nowMs });
    this.#nextSeq++;
    this.#samples += frame.durationSamples;
    this.#bytes += frame.data.byteLength;
    let dropped = 0;
    const maxSamples = this.maxDurationMs * SAMPLES_PER_MS;
    while (this.length > 1 && (this.#samples > maxSamples || this.#bytes > this.maxBytes)) {
      const oldest = this.#shift();
      this.#droppedSamples += oldest.durationSamples;
      dropped++;
    }
    this.#droppedFrames += dropped;
    this.#compact();
    return dropped;
  }

  /** The bridge has every frame up to and including seq (cumulative). Returns how many frames it released. */
  ack(seq: number): number {
    let released = 0;
    while (this.length > 0 && (this.#frames[this.#head] as Held).frame.seq <= seq) {
      this.#shift();
      released++;
    }
    this.#compact();
    return released;
  }

  /**
   * The held frames from seq on, oldest first, to send again after welcome (call ack(nextSeq - 1)
   * first). Starts at oldestSeq when seq is older than that (those frames were dropped).
   */
  framesFrom(seq: number): ResendFrame[] {
    const out: ResendFrame[] = [];
    // Held frames are contiguous, so seq's index is its distance from the oldest.
    for (let i = this.#head + Math.max(0, seq - this.oldestSeq); i < this.#frames.length; i++) {
      out.push((this.#frames[i] as Held).frame);
    }
    return out;
  }

  /** How long the oldest unacknowledged frame has waited, in ms (0 when empty); grows while disconnected. */
  oldestAgeMs(nowMs: number): number {
    return this.length > 0 ? Math.max(0, nowMs - (this.#frames[this.#head] as Held).pushedAtMs) : 0;
  }

  #shift(): ResendFrame {
    const { frame } = this.#frames[this.#head] as Held;
    this.#frames[this.#head] = undefined as unknown as Held; // let the bytes go now
    this.#head++;
    this.#samples -= frame.durationSamples;
    this.#bytes -= frame.data.byteLength;
    return frame;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
  }
}
