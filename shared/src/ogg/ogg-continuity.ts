// Re-muxes the Ogg pages one listener receives (possibly several chains: fallback, return, a new
// chain for a title) into ONE continuous logical stream where the codec allows it, because many
// players stop at a chain change. Fed whole pages by bridge/src/listeners/listener.ts from its first
// chain change on; feeds the listener's socket. Pure: bytes in, bytes out.
//
// A later chain joins the current output stream when a decoder set up by the first chain's headers
// can decode it: Opus with the same channel count and mapping (RFC 7845 §5.1.1), Vorbis with an
// identical identification (channels, rate, block sizes) and setup header (Vorbis I §4.2.2, §4.2.4).
// A joined chain's header pages are dropped; its pages get the output serial, the next sequence
// numbers and granule positions continuing from where the output stands (RFC 3533 §6, RFC 7845 §4).
// Where a join is impossible the output gets a proper chain: an EOS page, then the new BOS (RFC 3533 §4).
import {
  OGG_FLAG_CONTINUED, OGG_FLAG_EOS, OGG_GRANULE_NONE, OggPacketAssembler, oggCrc32, oggPageLength, readOggPage,
  rewriteOggPage, type OggPage,
} from './ogg-page.ts';
import {
  identifyOggCodec, isVorbisSetup, opusPacketSamples, parseOpusHead, parseVorbisIdentification,
  type OpusHead, type VorbisIdentification,
} from './codec-headers.ts';
import { buildOggEosPage, type OggPagePosition } from './ogg-eos.ts';

/** What a listener already received when re-muxing starts part-way through a chain. */
export interface OggChainSeed {
  /** The header pages of the chain the listener is on (BOS page first), as it received them. */
  headerPages: readonly Uint8Array[];
  /** The last page it received. */
  last: OggPagePosition;
  /** Granule position of the last page it received that had one (-1n when none yet). */
  lastGranule: bigint;
}

type CodecSetup =
  | { codec: 'opus'; head: OpusHead }
  | { codec: 'vorbis'; id: VorbisIdentification; idPacket: Uint8Array; setup: Uint8Array };

/** The logical stream the listener is being sent. */
interface OutputStream {
  serial: number;
  nextSequence: number;
  /** Granule position reached by the last page with one (RFC 3533 §6), -1n before the first. */
  granuleEnd: bigint;
  /** null for a codec this module cannot judge (never joined). */
  setup: CodecSetup | null;
  /** The listener already received an EOS page for it (before re-muxing started). */
  ended: boolean;
}

/** How the pages of the current input chain are mapped onto the output. */
interface InputChain {
  serial: number;
  /** 'pass': bytes unchanged (this chain is the output stream); 'join': rewritten onto it; 'rechain': own chain, serial changed. */
  mode: 'pass' | 'join' | 'rechain' | 'pending';
  /** Header packets still expected (2 for Opus, 3 for Vorbis). */
  headerPacketsLeft: number;
  headerPackets: Uint8Array[];
  /** Header pages held until the join is decided. */
  heldPages: Uint8Array[];
  assembler: OggPacketAssembler;
  /** out sequence = in sequence + offset (mod 2^32), fixed at the first audio page of a join. */
  sequenceOffset: number | null;
  /** Vorbis join: granule = base + (in - origin). */
  vorbisBase: bigint;
  vorbisOrigin: bigint | null;
  /** Opus: samples of the packet still open at the end of the last page (from its TOC, RFC 6716 §3.1). */
  openSamples: number;
}

/** A chain starting this many seconds of samples in was joined mid-way: count its first page as its start. */
const MAX_CHAIN_START_S = 10n;

export class OggContinuity {
  #out: OutputStream | null = null;
  #in: InputChain | null = null;
  /** An incomplete page held from the end of the last chunk. */
  #carry: Uint8Array | null = null;
  #parts: Uint8Array[] = [];
  /** The chunk being re-muxed, and a copy of it that rewritten pages are patched into (made on first need). */
  #src: Uint8Array = new Uint8Array(0);
  #copy: Uint8Array | null = null;
  /** Later chains joined onto the output stream. */
  joins = 0;
  /** Chain boundaries the output got because a join was impossible. */
  chains = 0;

  /**
   * A re-muxer for a listener that has already received part of a chain: `seed` tells which
   * (its header pages and last page). Throws SOURCE_BAD_AUDIO when the header pages are not Ogg
   * Opus or Vorbis headers.
   */
  static resume(seed: OggChainSeed): OggContinuity {
    const r = new OggContinuity();
    const chain = newChain(seed.last.serial);
    for (const bytes of seed.headerPages) {
      const page = readPage(bytes, 0);
      if (page === null) throw new RangeError('OggContinuity.resume: a header page is incomplete');
      r.#collectHeaders(chain, page);
    }
    if (chain.headerPacketsLeft > 0) throw new RangeError('OggContinuity.resume: the header pages do not hold a complete header set');
    const setup = setupOf(chain);
    chain.mode = 'pass';
    r.#in = chain;
    r.#out = { serial: seed.last.serial, nextSequence: (seed.last.sequence + 1) >>> 0, granuleEnd: seed.lastGranule, setup, ended: seed.last.eos };
    return r;
  }

  /**
   * Takes the next bytes the listener would get (whole pages; a page split across chunks is held)
   * and returns what it gets instead. Returns `chunk` itself while nothing needs changing.
   */
  push(chunk: Uint8Array): Uint8Array {
    let buf = chunk;
    if (this.#carry !== null) {
      buf = concat([this.#carry, chunk]);
      this.#carry = null;
    }
    const parts = this.#parts;
    parts.length = 0;
    this.#src = buf;
    this.#copy = null;
    // Every page in place (unchanged, or patched at its own offset in the copy): the copy is the result.
    let inPlace = buf === chunk;
    let offset = 0;
    while (offset < buf.length) {
      const length = oggPageLength(buf, offset);
      if (length === 0 || offset + length > buf.length) {
        this.#carry = buf.slice(offset);
        inPlace = false;
        break;
      }
      const page = readOggPage(buf, offset, length);
      const out = this.#page(page);
      if (out === null) inPlace = false;
      else {
        const copy = this.#copy as Uint8Array | null; // #page() may have made it
        if (out !== page.bytes && !(copy !== null && out.buffer === copy.buffer && out.byteOffset === offset)) inPlace = false;
        parts.push(out);
      }
      offset += length;
    }
    const copy = this.#copy;
    this.#src = EMPTY;
    this.#copy = null;
    if (inPlace) {
      parts.length = 0;
      return copy ?? chunk;
    }
    const result = concat(parts);
    parts.length = 0;
    return result;
  }

  /**
   * The page with new header fields, patched into the chunk's copy at the page's own offset; the CRC
   * is updated from the header bytes alone (see patchPageHeader).
   */
  #rewrite(page: OggPage, serial: number, sequence: number, granule: bigint, headerType: number): Uint8Array {
    const src = this.#src;
    const offset = page.bytes.byteOffset - src.byteOffset;
    if (page.bytes.buffer !== src.buffer || offset < 0 || offset + page.bytes.length > src.length) {
      return rewriteOggPage(page.bytes, { serial, sequence, granulePosition: granule, headerType });
    }
    if (this.#copy === null) {
      this.#copy = new Uint8Array(src.length);
      this.#copy.set(src);
    }
    const target = this.#copy.subarray(offset, offset + page.bytes.length);
    patchPageHeader(target, serial, sequence, granule, headerType);
    return target;
  }

  /** Maps one input page; returns the bytes to send (possibly several pages), the page itself, or null. */
  #page(page: OggPage): Uint8Array | null {
    if (page.bos) return this.#bos(page);
    const chain = this.#in;
    if (chain === null || page.serial !== chain.serial) return null; // no BOS seen for it: undecodable
    if (chain.headerPacketsLeft > 0) return this.#headerPage(chain, page);
    return this.#audioPage(chain, page);
  }

  #bos(page: OggPage): Uint8Array | null {
    const chain = newChain(page.serial);
    this.#in = chain;
    if (this.#out === null) {
      // The first chain this re-muxer sees becomes the output stream, as it is.
      chain.mode = 'pass';
    }
    return this.#headerPage(chain, page);
  }

  #headerPage(chain: InputChain, page: OggPage): Uint8Array | null {
    this.#collectHeaders(chain, page);
    if (chain.mode === 'pass') {
      if (chain.headerPacketsLeft === 0) {
        this.#out = { serial: chain.serial, nextSequence: (page.sequence + 1) >>> 0, granuleEnd: -1n, setup: setupOf(chain), ended: false };
      } else if (this.#out !== null) {
        this.#out.nextSequence = (page.sequence + 1) >>> 0;
      }
      return page.bytes;
    }
    chain.heldPages.push(page.bytes);
    if (chain.headerPacketsLeft > 0) return null;
    return this.#decide(chain);
  }

  /** All header packets of a later chain are in: join it, or start a proper chain. */
  #decide(chain: InputChain): Uint8Array | null {
    const out = this.#out as OutputStream;
    const setup = setupOf(chain);
    if (!out.ended && out.setup !== null && setup !== null && joinable(out.setup, setup)) {
      chain.mode = 'join';
      chain.heldPages = [];
      chain.vorbisBase = out.granuleEnd < 0n ? 0n : out.granuleEnd;
      this.joins++;
      return null;
    }
    // RFC 3533 §4: end the current stream, then the new chain with a serial of its own.
    this.chains++;
    const parts: Uint8Array[] = [];
    if (!out.ended) parts.push(buildOggEosPage({ serial: out.serial, sequence: (out.nextSequence - 1) >>> 0, granulePosition: out.granuleEnd, eos: false }));
    const serial = chain.serial === out.serial ? (chain.serial + 1) >>> 0 : chain.serial;
    chain.mode = serial === chain.serial ? 'pass' : 'rechain';
    let lastSequence = 0;
    for (const bytes of chain.heldPages) {
      const page = readOggPage(bytes, 0, bytes.length);
      parts.push(serial === chain.serial ? bytes : rewriteOggPage(bytes, { serial }));
      lastSequence = page.sequence;
    }
    chain.heldPages = [];
    this.#out = { serial, nextSequence: (lastSequence + 1) >>> 0, granuleEnd: -1n, setup, ended: false };
    return concat(parts);
  }

  #audioPage(chain: InputChain, page: OggPage): Uint8Array | null {
    const out = this.#out;
    if (out === null || chain.mode === 'pending') return null;
    const opus = out.setup?.codec === 'opus';
    // RFC 7845 §4: a page's granule position counts every sample of the packets completed on it.
    const samples = opus ? this.#completedSamples(chain, page) : 0;
    const empty = page.segmentTable.length === 0;
    if (chain.mode === 'pass' || chain.mode === 'rechain') {
      let granule = page.granulePosition;
      if (page.eos) {
        if (empty) return null; // an empty EOS page only ends the stream: the output goes on
        // RFC 7845 §4: the last page's granule may trim the end; decoded on, every sample plays.
        if (opus && out.granuleEnd >= 0n && samples > 0) granule = out.granuleEnd + BigInt(samples);
      }
      if (granule !== OGG_GRANULE_NONE) out.granuleEnd = granule;
      out.nextSequence = (page.sequence + 1) >>> 0;
      if (chain.mode === 'pass' && !page.eos) return page.bytes;
      return this.#rewrite(page, out.serial, page.sequence, granule, page.headerType & ~OGG_FLAG_EOS);
    }
    // Joined chain.
    if (empty && page.eos) return null;
    if (chain.sequenceOffset === null) chain.sequenceOffset = (out.nextSequence - page.sequence) >>> 0;
    const sequence = (page.sequence + chain.sequenceOffset) >>> 0;
    let granule = OGG_GRANULE_NONE;
    if (page.granulePosition !== OGG_GRANULE_NONE) {
      if (opus) {
        granule = (out.granuleEnd < 0n ? 0n : out.granuleEnd) + BigInt(samples);
      } else {
        const rateHz = out.setup?.codec === 'vorbis' ? out.setup.id.sampleRateHz : 48000;
        const rateLimit = MAX_CHAIN_START_S * BigInt(rateHz);
        if (chain.vorbisOrigin === null) chain.vorbisOrigin = page.granulePosition <= rateLimit ? 0n : page.granulePosition;
        granule = chain.vorbisBase + page.granulePosition - chain.vorbisOrigin;
        if (granule < out.granuleEnd) granule = out.granuleEnd;
      }
      out.granuleEnd = granule;
    } else if (opus && samples > 0) {
      out.granuleEnd += BigInt(samples); // cannot happen in valid Ogg (a completed packet sets the granule); keep count
    }
    out.nextSequence = (sequence + 1) >>> 0;
    return this.#rewrite(page, out.serial, sequence, granule, page.headerType & OGG_FLAG_CONTINUED);
  }

  /** Samples (48 kHz) of the Opus packets that finish on the page, from their TOC bytes (RFC 6716 §3.1). */
  #completedSamples(chain: InputChain, page: OggPage): number {
    let samples = 0;
    const n = page.packets.length;
    const completed = page.lastPacketComplete ? n : n - 1;
    for (let i = 0; i < n; i++) {
      const piece = page.packets[i] as Uint8Array;
      const continues = i === 0 && page.continued;
      // A continued piece's TOC byte came with the packet's start, on an earlier page.
      const packetSamples = continues ? chain.openSamples : opusPacketSamples(piece);
      if (i < completed) samples += packetSamples;
      else chain.openSamples = packetSamples; // the packet goes on to the next page
    }
    return samples;
  }

  #collectHeaders(chain: InputChain, page: OggPage): void {
    for (const packet of chain.assembler.push(page)) {
      if (chain.headerPacketsLeft === 0) break;
      if (chain.headerPackets.length === 0) {
        const codec = identifyOggCodec(packet.data);
        chain.headerPacketsLeft = codec === 'vorbis' ? 3 : codec === 'opus' ? 2 : 0;
        if (chain.headerPacketsLeft === 0) {
          chain.headerPackets.push(packet.data.slice());
          if (chain.mode !== 'pass') chain.mode = 'pending';
          return;
        }
      }
      chain.headerPackets.push(packet.data.slice());
      chain.headerPacketsLeft--;
    }
  }
}

const EMPTY = new Uint8Array(0);

// RFC 3533 §6's CRC is linear (generator 0x04c11db7, initial value 0, no final xor): the CRC of a page
// whose header bytes 5..21 change is the old CRC xor the CRC of the changed bits followed by the
// rest of the page as zeros, i.e. crc(diff) × x^(8·(length − 22)) mod the generator. Rewriting a page
// then costs its header, not its body — the re-muxer's work per listener stays small.
const CRC_POLY = 0x04c11db7;
const headerDiff = new Uint8Array(17);
const xPowCache = new Map<number, number>();

/** a × b mod the CRC generator, over GF(2) (both below degree 32). */
function gfMulMod(a: number, b: number): number {
  let r = 0;
  for (let bit = 31; bit >= 0; bit--) {
    r = r & 0x80000000 ? ((r << 1) ^ CRC_POLY) >>> 0 : (r << 1) >>> 0;
    if ((b >>> bit) & 1) r = (r ^ a) >>> 0;
  }
  return r;
}

/** x^(8·bytes) mod the CRC generator: the effect of `bytes` zero bytes on a CRC. */
function xPow8(bytes: number): number {
  const cached = xPowCache.get(bytes);
  if (cached !== undefined) return cached;
  let result = 1;
  let base = 0x100; // x^8
  for (let n = bytes; n > 0; n >>>= 1) {
    if (n & 1) result = gfMulMod(result, base);
    base = gfMulMod(base, base);
  }
  if (xPowCache.size > 4096) xPowCache.clear();
  xPowCache.set(bytes, result);
  return result;
}

/** Writes header_type, granule position, serial and sequence (RFC 3533 §6) into a valid page, fixing its CRC. */
export function patchPageHeader(page: Uint8Array, serial: number, sequence: number, granule: bigint, headerType: number): void {
  headerDiff.set(page.subarray(5, 22));
  page[5] = headerType & 0x07;
  const lo = Number(granule & 0xffffffffn);
  const hi = Number((granule >> 32n) & 0xffffffffn);
  putU32(page, 6, lo);
  putU32(page, 10, hi);
  putU32(page, 14, serial);
  putU32(page, 18, sequence);
  for (let i = 0; i < 17; i++) headerDiff[i] = (headerDiff[i] as number) ^ (page[5 + i] as number);
  const stored = ((page[22] as number) | ((page[23] as number) << 8) | ((page[24] as number) << 16) | ((page[25] as number) << 24)) >>> 0;
  putU32(page, 22, (stored ^ gfMulMod(oggCrc32(headerDiff), xPow8(page.length - 22))) >>> 0);
}

function putU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v & 0xff;
  buf[at + 1] = (v >>> 8) & 0xff;
  buf[at + 2] = (v >>> 16) & 0xff;
  buf[at + 3] = (v >>> 24) & 0xff;
}

function newChain(serial: number): InputChain {
  return {
    serial, mode: 'pending', headerPacketsLeft: 1, headerPackets: [], heldPages: [],
    assembler: new OggPacketAssembler(1 << 20), sequenceOffset: null, vorbisBase: 0n, vorbisOrigin: null,
    openSamples: 0,
  };
}

/** The decoder set-up a chain's header packets describe; null for another codec or broken headers. */
function setupOf(chain: InputChain): CodecSetup | null {
  const [first, , third] = chain.headerPackets;
  if (first === undefined) return null;
  try {
    const codec = identifyOggCodec(first);
    if (codec === 'opus' && chain.headerPackets.length >= 2) return { codec: 'opus', head: parseOpusHead(first) };
    if (codec === 'vorbis' && third !== undefined && isVorbisSetup(third)) {
      return { codec: 'vorbis', id: parseVorbisIdentification(first), idPacket: first, setup: third };
    }
  } catch {
    // broken headers: not joinable (a proper chain lets the player judge)
  }
  return null;
}

/** Whether a decoder set up for `a` decodes packets encoded for `b` (see the file comment). */
function joinable(a: CodecSetup, b: CodecSetup): boolean {
  if (a.codec === 'opus' && b.codec === 'opus') {
    // RFC 7845 §5.1.1: channel count, mapping family, stream counts and mapping fix the decoder.
    const x = a.head;
    const y = b.head;
    return x.channels === y.channels && x.mappingFamily === y.mappingFamily && x.streamCount === y.streamCount &&
      x.coupledCount === y.coupledCount && bytesEqual(x.channelMapping, y.channelMapping);
  }
  if (a.codec === 'vorbis' && b.codec === 'vorbis') {
    // Vorbis I §4.2.2 and §4.2.4: same channels, rate and block sizes, and the same codebooks and modes.
    return a.id.channels === b.id.channels && a.id.sampleRateHz === b.id.sampleRateHz &&
      a.id.blocksize0 === b.id.blocksize0 && a.id.blocksize1 === b.id.blocksize1 && bytesEqual(a.setup, b.setup);
  }
  return false;
}

function readPage(buf: Uint8Array, offset: number): OggPage | null {
  const length = oggPageLength(buf, offset);
  if (length === 0 || offset + length > buf.length) return null;
  return readOggPage(buf, offset, length);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
