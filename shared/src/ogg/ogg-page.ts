// Ogg pages (RFC 3533): CRC32, page parsing and writing, and packet reassembly across pages.
// Fed raw source bytes by the Ogg framer (shared/src/ogg/ogg-framer.ts) and packets by the
// recorder; feeds page views to the framer, packets to codec-headers.ts, and written pages to re-chaining.

import { AircheckError } from '../errors.ts';

/** RFC 3533 §6: header_type flag bits. */
export const OGG_FLAG_CONTINUED = 0x01;
export const OGG_FLAG_BOS = 0x02;
export const OGG_FLAG_EOS = 0x04;

/** RFC 3533 §6: a granule position of -1 means no packet finishes on the page. */
export const OGG_GRANULE_NONE = -1n;

/** Fixed part of a page header, before the segment table (RFC 3533 §6). */
export const OGG_HEADER_BYTES = 27;
/** The largest possible page: 27 + 255 lacing values + 255 × 255 body bytes. */
export const OGG_MAX_PAGE_BYTES = OGG_HEADER_BYTES + 255 + 255 * 255;

/** One parsed page. Every Uint8Array is a view into the buffer that was parsed (no copies). */
export interface OggPage {
  /** The whole page, exactly as received. */
  bytes: Uint8Array;
  headerType: number;
  /** The first packet piece continues a packet begun on an earlier page. */
  continued: boolean;
  /** Beginning of a logical stream. */
  bos: boolean;
  /** End of a logical stream. */
  eos: boolean;
  /** Signed 64-bit; -1n (OGG_GRANULE_NONE) when no packet ends on this page. */
  granulePosition: bigint;
  serial: number;
  sequence: number;
  checksum: number;
  segmentTable: Uint8Array;
  body: Uint8Array;
  /**
   * The packet pieces on this page, in order. The first is the tail of an earlier packet when
   * `continued`; the last is unfinished (continues on the next page) when `!lastPacketComplete`.
   */
  packets: Uint8Array[];
  /** False when the last lacing value is 255: the last piece continues on the next page. */
  lastPacketComplete: boolean;
  /** How many packets finish on this page. */
  completedPackets: number;
}

// CRC-32 of RFC 3533 §6 ("CRC checksum"): generator 0x04c11db7, MSB first (not reflected), initial
// value 0, no final xor, computed over the whole page with the checksum field set to zero.
// Slicing-by-8 tables: CRC_TABLES[k][b] is the CRC of byte b followed by k zero bytes.
const CRC_TABLES: Uint32Array[] = buildCrcTables();

function buildCrcTables(): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t0[i] = r >>> 0;
  }
  tables.push(t0);
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1] as Uint32Array;
    const t = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      const v = prev[i] as number;
      t[i] = ((v << 8) ^ (t0[v >>> 24] as number)) >>> 0;
    }
    tables.push(t);
  }
  return tables;
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = CRC_TABLES as [
  Uint32Array, Uint32Array, Uint32Array, Uint32Array,
  Uint32Array, Uint32Array, Uint32Array, Uint32Array,
];

/** Continue an Ogg CRC-32 over buf[start, end). Start with crc = 0 for a fresh checksum. */
export function oggCrc32(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  let c = crc >>> 0;
  let i = start;
  const end8 = end - 7;
  while (i < end8) {
    const hi = (c ^ (((buf[i] as number) << 24) | ((buf[i + 1] as number) << 16) |
      ((buf[i + 2] as number) << 8) | (buf[i + 3] as number))) >>> 0;
    c = (T7[hi >>> 24] as number) ^ (T6[(hi >>> 16) & 0xff] as number) ^
      (T5[(hi >>> 8) & 0xff] as number) ^ (T4[hi & 0xff] as number) ^
      (T3[buf[i + 4] as number] as number) ^ (T2[buf[i + 5] as number] as number) ^
      (T1[buf[i + 6] as number] as number) ^ (T0[buf[i + 7] as number] as number);
    i += 8;
  }
  while (i < end) {
    c = (c << 8) ^ (T0[((c >>> 24) ^ (buf[i] as number)) & 0xff] as number);
    i++;
  }
  return c >>> 0;
}

/** The checksum a page must carry: CRC over the page with bytes 22..25 taken as zero. */
function pageCrc(buf: Uint8Array, start: number, end: number): number {
  let c = oggCrc32(buf, start, start + 22, 0);
  for (let k = 0; k < 4; k++) c = (c << 8) ^ (T0[(c >>> 24) & 0xff] as number);
  return oggCrc32(buf, start + 26, end, c);
}

/** True when buf[at..at+3] is the capture pattern 'OggS' (RFC 3533 §6). */
const CAPTURE = new Uint8Array([0x4f, 0x67, 0x67, 0x53]);

export function isOggCapture(buf: Uint8Array, at: number): boolean {
  return buf[at] === 0x4f && buf[at + 1] === 0x67 && buf[at + 2] === 0x67 && buf[at + 3] === 0x53;
}

/**
 * Index of the next 'OggS' at or after `from`, or of a trailing partial 'O', 'Og', 'Ogg' that may
 * complete with more bytes; buf.length when neither.
 */
export function findOggCapture(buf: Uint8Array, from: number): number {
  const n = buf.length;
  let i = buf.indexOf(0x4f, from);
  while (i !== -1) {
    if (i + 4 <= n) {
      if (isOggCapture(buf, i)) return i;
    } else {
      // Partial pattern at the very end: keep it if every present byte matches.
      let ok = true;
      for (let k = 1; i + k < n; k++) if (buf[i + k] !== CAPTURE[k]) ok = false;
      if (ok) return i;
    }
    i = buf.indexOf(0x4f, i + 1);
  }
  return n;
}

/** Why a candidate page is not a page. */
export type OggPageDefect = 'capture' | 'version' | 'flags' | 'crc';

/**
 * Measures the candidate page at buf[offset]: its total length when complete and valid, 0 when more
 * bytes are needed to decide, or the defect. Cheap checks first; the CRC only on a complete page.
 */
export function checkOggPage(buf: Uint8Array, offset: number): number | OggPageDefect {
  const avail = buf.length - offset;
  // RFC 3533 §6: capture_pattern 'OggS', stream_structure_version 0, header_type uses bits 0..2 only.
  for (let k = 0; k < 4 && k < avail; k++) {
    if (buf[offset + k] !== CAPTURE[k]) return 'capture';
  }
  if (avail > 4 && buf[offset + 4] !== 0) return 'version';
  if (avail > 5 && ((buf[offset + 5] as number) & 0xf8) !== 0) return 'flags';
  const length = oggPageLength(buf, offset);
  if (length === 0 || length > avail) return 0;
  const stored = readU32(buf, offset + 22);
  if (pageCrc(buf, offset, offset + length) !== stored) return 'crc';
  return length;
}

/** Total length of the page at offset from its header and segment table, or 0 if not yet known. */
export function oggPageLength(buf: Uint8Array, offset: number): number {
  if (buf.length - offset < OGG_HEADER_BYTES) return 0;
  const segments = buf[offset + 26] as number;
  const tableEnd = offset + OGG_HEADER_BYTES + segments;
  if (buf.length < tableEnd) return 0;
  let bodyBytes = 0;
  for (let i = offset + OGG_HEADER_BYTES; i < tableEnd; i++) bodyBytes += buf[i] as number;
  return OGG_HEADER_BYTES + segments + bodyBytes;
}

/**
 * Parses the page starting at buf[offset]. Returns null when the buffer ends before the page does.
 * Throws AircheckError SOURCE_BAD_AUDIO when the bytes there are not a valid page.
 */
export function parseOggPage(
  buf: Uint8Array,
  offset = 0,
): { page: OggPage; nextOffset: number } | null {
  const result = checkOggPage(buf, offset);
  if (result === 0) return null;
  if (typeof result === 'string') throw pageDefectError(buf, offset, result);
  return { page: readOggPage(buf, offset, result), nextOffset: offset + result };
}

function pageDefectError(buf: Uint8Array, offset: number, defect: OggPageDefect): AircheckError {
  const at = `at byte ${offset}`;
  switch (defect) {
    case 'capture':
      return new AircheckError('SOURCE_BAD_AUDIO',
        `Ogg page ${at}: capture pattern is ${hex(buf.subarray(offset, offset + 4))}, expected 'OggS' (4f 67 67 53, RFC 3533 §6); the source is not sending Ogg, or lost sync`);
    case 'version':
      return new AircheckError('SOURCE_BAD_AUDIO',
        `Ogg page ${at}: stream_structure_version is ${buf[offset + 4]}, expected 0 (RFC 3533 §6); the bytes are not an Ogg page`);
    case 'flags':
      return new AircheckError('SOURCE_BAD_AUDIO',
        `Ogg page ${at}: header_type is 0x${(buf[offset + 5] as number).toString(16)}, only bits 0x01|0x02|0x04 are defined (RFC 3533 §6); the bytes are not an Ogg page`);
    case 'crc': {
      const length = oggPageLength(buf, offset);
      return new AircheckError('SOURCE_BAD_AUDIO',
        `Ogg page ${at}: CRC is 0x${readU32(buf, offset + 22).toString(16)}, computed 0x${pageCrc(buf, offset, offset + length).toString(16)} (RFC 3533 §6); the page was corrupted in transit — check the encoder and the connection`);
    }
  }
}

/** Reads an already validated page of `length` bytes at offset. */
export function readOggPage(buf: Uint8Array, offset: number, length: number): OggPage {
  const headerType = buf[offset + 5] as number;
  const segments = buf[offset + 26] as number;
  const tableStart = offset + OGG_HEADER_BYTES;
  const bodyStart = tableStart + segments;
  const packets: Uint8Array[] = [];
  let pieceStart = bodyStart;
  let pos = bodyStart;
  let completed = 0;
  // RFC 3533 §5: a lacing value below 255 ends a packet; 255 means the packet goes on.
  for (let i = 0; i < segments; i++) {
    const lace = buf[tableStart + i] as number;
    pos += lace;
    if (lace < 255) {
      packets.push(buf.subarray(pieceStart, pos));
      pieceStart = pos;
      completed++;
    }
  }
  const lastPacketComplete = segments === 0 || (buf[tableStart + segments - 1] as number) < 255;
  if (!lastPacketComplete) packets.push(buf.subarray(pieceStart, pos));
  return {
    bytes: buf.subarray(offset, offset + length),
    headerType,
    continued: (headerType & OGG_FLAG_CONTINUED) !== 0,
    bos: (headerType & OGG_FLAG_BOS) !== 0,
    eos: (headerType & OGG_FLAG_EOS) !== 0,
    granulePosition: readI64(buf, offset + 6),
    serial: readU32(buf, offset + 14),
    sequence: readU32(buf, offset + 18),
    checksum: readU32(buf, offset + 22),
    segmentTable: buf.subarray(tableStart, bodyStart),
    body: buf.subarray(bodyStart, offset + length),
    packets,
    lastPacketComplete,
    completedPackets: completed,
  };
}

export interface OggPageSpec {
  serial: number;
  sequence: number;
  /** -1n when no packet finishes on the page. */
  granulePosition: bigint;
  /** Packet pieces, in order. */
  packets: readonly Uint8Array[];
  /** The first piece continues a packet from the previous page. */
  continued?: boolean;
  bos?: boolean;
  eos?: boolean;
  /** The last piece is unfinished: it continues on the next page (its length must be a multiple of 255). */
  lastPacketIncomplete?: boolean;
}

/**
 * Builds one page (RFC 3533 §6) from packet pieces. A piece of n bytes takes floor(n/255)+1 lacing
 * values (or n/255 when it is an unfinished last piece); more than 255 lacing values do not fit.
 */
export function writeOggPage(spec: OggPageSpec): Uint8Array {
  const pieces = spec.packets;
  let segments = 0;
  let bodyBytes = 0;
  for (let i = 0; i < pieces.length; i++) {
    const n = (pieces[i] as Uint8Array).length;
    const open = spec.lastPacketIncomplete === true && i === pieces.length - 1;
    if (open && n % 255 !== 0) {
      throw new RangeError(`writeOggPage: an unfinished last packet piece must be a multiple of 255 bytes, got ${n}`);
    }
    segments += open ? n / 255 : Math.floor(n / 255) + 1;
    bodyBytes += n;
  }
  if (segments > 255) {
    throw new RangeError(`writeOggPage: the packets need ${segments} lacing values, a page holds 255; split them across pages`);
  }
  const out = new Uint8Array(OGG_HEADER_BYTES + segments + bodyBytes);
  out.set(CAPTURE, 0);
  out[4] = 0;
  out[5] = (spec.continued ? OGG_FLAG_CONTINUED : 0) | (spec.bos ? OGG_FLAG_BOS : 0) |
    (spec.eos ? OGG_FLAG_EOS : 0);
  writeI64(out, 6, spec.granulePosition);
  writeU32(out, 14, spec.serial);
  writeU32(out, 18, spec.sequence);
  out[26] = segments;
  let table = OGG_HEADER_BYTES;
  let body = OGG_HEADER_BYTES + segments;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] as Uint8Array;
    const open = spec.lastPacketIncomplete === true && i === pieces.length - 1;
    let n = piece.length;
    while (n >= 255) {
      out[table++] = 255;
      n -= 255;
    }
    if (!open) out[table++] = n;
    out.set(piece, body);
    body += piece.length;
  }
  writeU32(out, 22, pageCrc(out, 0, out.length));
  return out;
}

/**
 * A copy of a page with some header fields replaced and the CRC recomputed; used to re-chain
 * streams (new serial and sequence numbers) and to fix up granule positions.
 */
export function rewriteOggPage(
  page: Uint8Array,
  changes: { serial?: number; sequence?: number; granulePosition?: bigint; headerType?: number },
): Uint8Array {
  // A copy even when `page` is a Node Buffer (whose slice() is a view): pages are shared by listeners.
  const out = new Uint8Array(page.length);
  out.set(page);
  if (changes.headerType !== undefined) out[5] = changes.headerType & 0x07;
  if (changes.granulePosition !== undefined) writeI64(out, 6, changes.granulePosition);
  if (changes.serial !== undefined) writeU32(out, 14, changes.serial);
  if (changes.sequence !== undefined) writeU32(out, 18, changes.sequence);
  writeU32(out, 22, pageCrc(out, 0, out.length));
  return out;
}

/** A whole packet from OggPacketAssembler. */
export interface OggPacket {
  data: Uint8Array;
  serial: number;
  /** The page's granule position when this is the last packet to finish on it, else -1n. */
  granulePosition: bigint;
  /** First packet of the logical stream (it finished on the BOS page). */
  bos: boolean;
  /** Last packet finished on the EOS page. */
  eos: boolean;
}

/**
 * Joins packet pieces across pages of one logical stream (RFC 3533 §5). A packet that lies on one
 * page is returned as a view; only packets spanning pages are copied (pieces held between pages are
 * copies, so callers may reuse page memory after push()). A lost continuation (sequence
 * gap, or a continued page without a pending packet) drops the broken packet, as libogg does.
 */
export class OggPacketAssembler {
  readonly maxPacketBytes: number;
  #pieces: Uint8Array[] = [];
  #pendingBytes = 0;
  #lastSequence = -1;

  constructor(maxPacketBytes = 1 << 20) {
    this.maxPacketBytes = maxPacketBytes;
  }

  /** Bytes held for a packet that has not finished yet. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  reset(): void {
    this.#pieces = [];
    this.#pendingBytes = 0;
    this.#lastSequence = -1;
  }

  /** Throws SOURCE_BAD_AUDIO when a packet grows beyond maxPacketBytes. */
  push(page: OggPage): OggPacket[] {
    const out: OggPacket[] = [];
    const gap = this.#lastSequence !== -1 && page.sequence !== ((this.#lastSequence + 1) >>> 0);
    this.#lastSequence = page.sequence;
    let first = 0;
    if (page.continued) {
      if (this.#pieces.length === 0 || gap) {
        first = 1; // the head of this packet was lost: skip its tail
        this.#drop();
      }
    } else if (this.#pieces.length > 0) {
      this.#drop(); // the tail of the pending packet never came
    }
    const lastIndex = page.packets.length - 1;
    const lastCompleted = page.lastPacketComplete ? lastIndex : lastIndex - 1;
    for (let i = first; i <= lastIndex; i++) {
      const piece = page.packets[i] as Uint8Array;
      const complete = i < lastIndex || page.lastPacketComplete;
      this.#pendingBytes += piece.length;
      if (this.#pendingBytes > this.maxPacketBytes) {
        const size = this.#pendingBytes;
        this.#drop();
        throw new AircheckError('SOURCE_BAD_AUDIO',
          `Ogg packet in stream ${page.serial} exceeds ${this.maxPacketBytes} bytes (reached ${size}); the source sends packets far larger than audio needs — check the encoder (e.g. cover art in the tags)`);
      }
      if (!complete) {
        this.#pieces.push(piece.slice()); // keep no views into the caller's buffers
        break;
      }
      let data: Uint8Array;
      if (this.#pieces.length === 0) {
        data = piece;
      } else {
        this.#pieces.push(piece);
        data = new Uint8Array(this.#pendingBytes);
        let at = 0;
        for (const p of this.#pieces) {
          data.set(p, at);
          at += p.length;
        }
        this.#pieces = [];
      }
      this.#pendingBytes = 0;
      out.push({
        data,
        serial: page.serial,
        granulePosition: i === lastCompleted ? page.granulePosition : OGG_GRANULE_NONE,
        bos: page.bos && i === 0,
        eos: page.eos && i === lastCompleted,
      });
    }
    return out;
  }

  #drop(): void {
    this.#pieces = [];
    this.#pendingBytes = 0;
  }
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16) |
    ((buf[at + 3] as number) << 24)) >>> 0;
}

function readI64(buf: Uint8Array, at: number): bigint {
  const lo = readU32(buf, at);
  const hi = readU32(buf, at + 4);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

function writeU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v & 0xff;
  buf[at + 1] = (v >>> 8) & 0xff;
  buf[at + 2] = (v >>> 16) & 0xff;
  buf[at + 3] = (v >>> 24) & 0xff;
}

function writeI64(buf: Uint8Array, at: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  writeU32(buf, at, Number(u & 0xffffffffn));
  writeU32(buf, at + 4, Number(u >> 32n));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
