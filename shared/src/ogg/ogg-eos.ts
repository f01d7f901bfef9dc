// Ogg chain boundaries for a stream that switches feeds on one connection (RFC 3533 §4: a chained
// stream ends each logical stream with an EOS page, and each chain has its own serial number).
// Fed by Mount (the last page it released) and FileFeed (loops); pure bytes in, bytes out.
import { parseOggPage, rewriteOggPage, writeOggPage } from './ogg-page.ts';
import { getComment, isOpusTags, isVorbisComment, parseOpusTags, parseVorbisComment } from './codec-headers.ts';

export interface OggPagePosition {
  serial: number;
  sequence: number;
  granulePosition: bigint;
  /** The page already ends its logical stream. */
  eos: boolean;
}

/** Serial, sequence and granule position of a page's header (RFC 3533 §6), or null if not a page. */
export function readOggPagePosition(page: Uint8Array): OggPagePosition | null {
  if (page.length < 27 || page[0] !== 0x4f || page[1] !== 0x67 || page[2] !== 0x67 || page[3] !== 0x53) return null;
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  return {
    granulePosition: view.getBigInt64(6, true),
    serial: view.getUint32(14, true),
    sequence: view.getUint32(18, true),
    eos: (page[5]! & 0x04) !== 0,
  };
}

/** An empty page that ends the logical stream `after` belongs to (EOS flag, next sequence number). */
export function buildOggEosPage(after: OggPagePosition): Uint8Array {
  return writeOggPage({
    serial: after.serial,
    sequence: (after.sequence + 1) >>> 0,
    granulePosition: after.granulePosition < 0n ? 0n : after.granulePosition,
    packets: [],
    eos: true,
  });
}

/** A copy of the page with another serial number (a new chain for each loop of a file). */
export function rewriteOggSerial(page: Uint8Array, serial: number): Uint8Array {
  return rewriteOggPage(page, { serial });
}

/**
 * Now-playing from a header page carrying a complete OpusTags (RFC 7845 §5.2) or Vorbis comment
 * header (Vorbis I §5): "ARTIST - TITLE", TITLE alone, or null when the page has neither.
 */
export function titleFromCommentPage(pageBytes: Uint8Array): string | null {
  let parsed;
  try {
    parsed = parseOggPage(pageBytes, 0);
  } catch {
    return null;
  }
  if (!parsed) return null;
  const { page } = parsed;
  const first = page.continued ? page.packets[1] : page.packets[0];
  if (!first || (page.packets.length === 1 && !page.lastPacketComplete)) return null;
  let tags;
  try {
    if (isOpusTags(first)) tags = parseOpusTags(first);
    else if (isVorbisComment(first)) tags = parseVorbisComment(first);
    else return null;
  } catch {
    return null;
  }
  const title = getComment(tags, 'TITLE');
  const artist = getComment(tags, 'ARTIST');
  if (!title) return null;
  return artist ? `${artist} - ${title}` : title;
}
