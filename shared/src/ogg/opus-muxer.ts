// Ogg Opus muxing of raw Opus packets (RFC 7845 over RFC 3533): the studio's WebCodecs packets in,
// Ogg pages out. Fed by the bridge's live push (bridge/src/sources/studio/live-push.ts) one packet at a time;
// feeds a source connection to a mount. Pure: bytes in, pages out; the caller picks serial numbers.
//
// Latency matters (glass-to-glass < 1 s): a page is closed as soon as it holds pageDurationSamples of
// audio (default 100 ms). Now-playing travels in-stream: endChain() + beginChain(tags) starts a new
// chain (new serial, BOS, OpusHead, fresh OpusTags), which players and our mounts read as a new title.

import { writeOggPage } from './ogg-page.ts';
import { parseOpusHead, writeOpusTags } from './codec-headers.ts';
import type { CommentEntry } from './codec-headers.ts';

/** 100 ms at 48 kHz: Opus granule positions always count 48 kHz samples (RFC 7845 §4). */
export const DEFAULT_PAGE_DURATION_SAMPLES = 4800;
/** RFC 3533 §6: a page holds at most 255 lacing values. */
const MAX_LACING_VALUES = 255;

export interface NowPlaying {
  artist: string;
  title: string;
}

export interface OpusMuxerOptions {
  /** The OpusHead packet (RFC 7845 §5.1), e.g. WebCodecs' decoderConfig.description. */
  opusHead: Uint8Array;
  /** Close a page once it holds this much audio (48 kHz samples). Default 4800 (100 ms). */
  pageDurationSamples?: number;
  /** OpusTags vendor string. Default "Aircheck". */
  vendor?: string;
}

export class OpusMuxer {
  readonly opusHead: Uint8Array;
  readonly preSkipSamples: number;
  readonly pageDurationSamples: number;
  readonly vendor: string;
  #serial = 0;
  #sequence = 0;
  /** Samples since the chain began (what the next page's granule position counts from). */
  #granule = 0n;
  #pending: Uint8Array[] = [];
  #pendingLacing = 0;
  #pendingSamples = 0;
  #inChain = false;

  constructor(options: OpusMuxerOptions) {
    const head = parseOpusHead(options.opusHead); // throws SOURCE_BAD_AUDIO for a broken head
    this.opusHead = options.opusHead.slice();
    this.preSkipSamples = head.preSkip;
    this.pageDurationSamples = options.pageDurationSamples ?? DEFAULT_PAGE_DURATION_SAMPLES;
    this.vendor = options.vendor ?? 'Aircheck';
    if (!(this.pageDurationSamples >= 120)) throw new RangeError(`OpusMuxer: pageDurationSamples ${this.pageDurationSamples} must be ≥ 120`);
  }

  /** Whether a chain is open (beginChain called, endChain not yet). */
  get inChain(): boolean {
    return this.#inChain;
  }

  /** Granule position reached in the current chain (48 kHz samples, pre-skip included). */
  get granulePosition(): bigint {
    return this.#granule + BigInt(this.#pendingSamples);
  }

  /**
   * RFC 7845 §3: starts a chain. Returns its two header pages: the BOS page with OpusHead alone
   * (granule 0), then a page with OpusTags alone (granule 0). Ends the open chain first, if any.
   */
  beginChain(serial: number, nowPlaying: NowPlaying | null = null): Uint8Array[] {
    const out = this.#inChain ? this.endChain() : [];
    this.#serial = serial >>> 0;
    this.#sequence = 0;
    this.#granule = 0n;
    this.#inChain = true;
    const comments: CommentEntry[] = [];
    if (nowPlaying?.title) comments.push({ key: 'TITLE', value: nowPlaying.title });
    if (nowPlaying?.artist) comments.push({ key: 'ARTIST', value: nowPlaying.artist });
    const tags = writeOpusTags({ vendor: this.vendor, comments, trailing: new Uint8Array(0) });
    out.push(this.#page([this.opusHead], 0n, { bos: true }));
    out.push(...this.#tagPages(tags));
    return out;
  }

  /** One packet of durationSamples (48 kHz). Returns the pages it completed (usually none or one). */
  push(packet: Uint8Array, durationSamples: number): Uint8Array[] {
    if (!this.#inChain) throw new RangeError('OpusMuxer: push() before beginChain()');
    const lacing = Math.floor(packet.length / 255) + 1;
    const out: Uint8Array[] = [];
    if (this.#pendingLacing + lacing > MAX_LACING_VALUES) out.push(...this.#flushPending(false));
    this.#pending.push(packet.slice());
    this.#pendingLacing += lacing;
    this.#pendingSamples += durationSamples;
    if (this.#pendingSamples >= this.pageDurationSamples) out.push(...this.#flushPending(false));
    return out;
  }

  /** Packets in the page being filled (not yet in any page push() or flush() returned). */
  get pendingPackets(): number {
    return this.#pending.length;
  }

  /** Closes the page being filled now (e.g. before a pause); [] when it is empty. */
  flush(): Uint8Array[] {
    return this.#flushPending(false);
  }

  /** RFC 3533 §4: ends the chain with an EOS page (the pending packets, or an empty page). */
  endChain(): Uint8Array[] {
    if (!this.#inChain) return [];
    const out = this.#flushPending(true);
    if (out.length === 0) out.push(this.#page([], this.#granule, { eos: true }));
    this.#inChain = false;
    return out;
  }

  #flushPending(eos: boolean): Uint8Array[] {
    if (this.#pending.length === 0) return [];
    this.#granule += BigInt(this.#pendingSamples);
    const page = this.#page(this.#pending, this.#granule, { eos });
    this.#pending = [];
    this.#pendingLacing = 0;
    this.#pendingSamples = 0;
    return [page];
  }

  /** RFC 7845 §5.2: OpusTags may span pages; the last page carrying it has granule 0, the others -1. */
  #tagPages(tags: Uint8Array): Uint8Array[] {
    const pages: Uint8Array[] = [];
    const maxPiece = 255 * 254; // leaves one lacing value for the final short segment
    let offset = 0;
    while (tags.length - offset > maxPiece) {
      pages.push(this.#page([tags.subarray(offset, offset + maxPiece)], -1n, { continued: offset > 0, open: true }));
      offset += maxPiece;
    }
    pages.push(this.#page([tags.subarray(offset)], 0n, { continued: offset > 0 }));
    return pages;
  }

  #page(packets: Uint8Array[], granulePosition: bigint, flags: { bos?: boolean; eos?: boolean; continued?: boolean; open?: boolean }): Uint8Array {
    return writeOggPage({
      serial: this.#serial,
      sequence: this.#sequence++,
      granulePosition,
      packets,
      bos: flags.bos,
      eos: flags.eos,
      continued: flags.continued,
      lastPacketIncomplete: flags.open,
    });
  }
}
