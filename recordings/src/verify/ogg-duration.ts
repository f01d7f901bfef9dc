// Duration of a stored Ogg Opus recording from two small byte ranges: the head (first page, with
// the OpusHead and its pre-skip) and the tail (the last page, with the final granule position).
// Pure: bytes in, values out. Fed by verify-object.ts (ranged reads of the stored object).

import { OGG_MAX_PAGE_BYTES, checkOggPage, parseOggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { isOpusHead, parseOpusHead } from '../../../shared/src/ogg/codec-headers.ts';

/** How many bytes to read from each end: one maximal page fits in the head, two in the tail. */
export const HEAD_READ_BYTES = OGG_MAX_PAGE_BYTES;
export const TAIL_READ_BYTES = 2 * OGG_MAX_PAGE_BYTES;

export interface OpusStreamHead {
  serial: number;
  /** RFC 7845 §5.1: samples (48 kHz) the decoder discards at the start. */
  preSkip: number;
}

export interface OggTail {
  serial: number;
  /** Granule position of the last page (RFC 7845 §4: 48 kHz samples, pre-skip included). */
  granulePosition: bigint;
  eos: boolean;
}

/** The first page must be a BOS page whose first packet is an OpusHead (RFC 7845 §3). */
export function readOpusStreamHead(head: Uint8Array): OpusStreamHead | string {
  let parsed;
  try {
    parsed = parseOggPage(head, 0);
  } catch (err) {
    return `the first bytes are not an Ogg page: ${(err as Error).message}`;
  }
  if (!parsed) return `the first Ogg page is cut short (${head.length} bytes read)`;
  const { page } = parsed;
  const first = page.packets[0];
  if (!page.bos || !first || !isOpusHead(first)) return 'the first Ogg page is not an Opus BOS page with an OpusHead (RFC 7845 §3)';
  try {
    return { serial: page.serial, preSkip: parseOpusHead(first).preSkip };
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The last page of the object, found by scanning `tail` (the object's last bytes) backwards for a
 * capture pattern that starts a valid page (RFC 3533 §6: CRC checked) ending exactly at the end of
 * the object. A file that ends mid-page or in garbage has no valid last page: a reason is returned.
 */
export function readOggTail(tail: Uint8Array): OggTail | string {
  const from = Math.max(0, tail.length - OGG_MAX_PAGE_BYTES);
  for (let at = tail.lastIndexOf(0x4f); at >= from; at = at > 0 ? tail.lastIndexOf(0x4f, at - 1) : -1) {
    const result = checkOggPage(tail, at);
    if (typeof result !== 'number' || result === 0) continue;
    if (at + result !== tail.length) {
      return `the object does not end with a complete Ogg page (${tail.length - at - result} bytes follow the last page)`;
    }
    const parsed = parseOggPage(tail, at);
    if (!parsed) continue;
    return { serial: parsed.page.serial, granulePosition: parsed.page.granulePosition, eos: parsed.page.eos };
  }
  return 'no complete Ogg page at the end of the object (it is truncated or not Ogg)';
}

export interface OpusDuration {
  /** Granule position of the last page: every sample of every packet, pre-skip included. */
  lastGranule: number;
  preSkip: number;
  /** Playable samples (RFC 7845 §4): last granule − pre-skip. */
  playableSamples: number;
}

/** The stored file's duration (48 kHz samples), or a reason it cannot be read. */
export function opusDuration(head: Uint8Array, tail: Uint8Array): OpusDuration | string {
  const h = readOpusStreamHead(head);
  if (typeof h === 'string') return h;
  const t = readOggTail(tail);
  if (typeof t === 'string') return t;
  if (t.serial !== h.serial) {
    return `the last page belongs to stream ${t.serial}, the first to ${h.serial}: a chained file's duration cannot be read from its last granule position`;
  }
  if (t.granulePosition < 0n) return 'the last Ogg page has no granule position (-1)';
  const lastGranule = Number(t.granulePosition);
  return { lastGranule, preSkip: h.preSkip, playableSamples: lastGranule - h.preSkip };
}
