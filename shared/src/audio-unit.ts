// The contract between framers and everything downstream (docs/design.md "Contracts"): framers
// (shared/src/mp3/mp3-framer.ts, shared/src/ogg/ogg-framer.ts) turn bytes into AudioUnits;
// the bridge's pacer, mount registry and listeners, and the users of the Opus → MP3 transcoder (the
// /live.mp3 companion, the recording's MP3 rendition) consume them. Also the carry buffer both framers
// use to join units split across chunks.

/** 'aac': AAC ADTS frames, produced only by a ladder rung (bridge/src/ladder/), never accepted from a source. */
export type StreamFormat = 'mp3' | 'ogg-opus' | 'ogg-vorbis' | 'aac';

/** One unit of audio as it travels source → mount → listener. Bytes are forwarded exactly as received. */
export interface AudioUnit {
  /** One MP3 frame, or one Ogg page. May be a view into the chunk given to push(). */
  data: Uint8Array;
  /** Playback time the unit carries (0 for header pages). */
  durationUs: number;
  /** Ogg codec header page (OpusHead/OpusTags, Vorbis id/comment/setup). */
  isHeader: boolean;
  /** A listener may start here. */
  isSyncPoint: boolean;
  /** Ogg BOS page: a new chain starts, header pages reset. */
  newStream: boolean;
}

/** Pure, incremental; one per source connection. */
export interface StreamFramer {
  /** null until known. */
  readonly format: StreamFormat | null;
  /**
   * Throws AircheckError SOURCE_BAD_AUDIO / SOURCE_UNSUPPORTED_FORMAT. Returned units may be views
   * into `chunk`: the caller must not reuse or overwrite the chunk's memory afterwards.
   */
  push(chunk: Uint8Array): AudioUnit[];
}

/** What a framer tells CarryBuffer about its byte format. */
export interface UnitScanner {
  /**
   * Emits every complete unit found from buf[0], skipping garbage, and returns the index of the first
   * byte it could not decide on yet (the start of an incomplete candidate), buf.length when done.
   */
  scan(buf: Uint8Array, out: AudioUnit[]): number;
  /**
   * Total bytes the incomplete candidate at buf[0] needs before scan() can decide on it
   * (at most the carry capacity).
   */
  need(buf: Uint8Array): number;
}

/**
 * Holds the bytes of a unit split across push() calls in one fixed buffer, appending exactly what the
 * unit still needs from the next chunk; everything else is scanned straight from the chunk, so units
 * inside a chunk are zero-copy views and each split unit is copied once.
 */
export class CarryBuffer {
  readonly #buf: Uint8Array;
  #length = 0;

  constructor(capacityBytes: number) {
    this.#buf = new Uint8Array(capacityBytes);
  }

  get length(): number {
    return this.#length;
  }

  push(chunk: Uint8Array, scanner: UnitScanner, out: AudioUnit[]): void {
    let rest = chunk;
    while (this.#length > 0 && rest.length > 0) {
      const held = this.#buf.subarray(0, this.#length);
      const need = Math.min(this.#buf.length, Math.max(scanner.need(held), this.#length + 1));
      const take = Math.min(rest.length, need - this.#length);
      this.#buf.set(rest.subarray(0, take), this.#length);
      this.#length += take;
      rest = rest.subarray(take);
      if (this.#length < need) return;
      const first = out.length;
      const consumed = scanner.scan(this.#buf.subarray(0, this.#length), out);
      if (consumed === 0 && this.#length === this.#buf.length) {
        throw new RangeError(`CarryBuffer: scanner could not decide on ${this.#length} bytes (capacity)`);
      }
      // Units found here point into the reused carry buffer: give them their own bytes.
      for (let i = first; i < out.length; i++) {
        const unit = out[i] as AudioUnit;
        unit.data = unit.data.slice();
      }
      this.#buf.copyWithin(0, consumed, this.#length);
      this.#length -= consumed;
    }
    if (rest.length === 0) return;
    const consumed = scanner.scan(rest, out);
    const left = rest.length - consumed;
    if (left > this.#buf.length) {
      throw new RangeError(`CarryBuffer: scanner left ${left} bytes, capacity is ${this.#buf.length}`);
    }
    this.#buf.set(rest.subarray(consumed), 0);
    this.#length = left;
  }
}
