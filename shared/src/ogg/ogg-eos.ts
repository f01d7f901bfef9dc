// Ogg chain boundaries for a stream that switches feeds on one connection (RFC 3533 §4: a chained
// stream ends each logical stream with an EOS page, and each chain has its own serial number).
// Fed by Mount (the last page it released) and FileFeed (loops); pure bytes in, bytes out.
import { rewriteOggPage, writeOggPage } from './ogg-page.ts';

export interface OggPagePosition {
  serial: number;
  sequence: number;
  granulePosition: bigint;
}

/** Serial, sequence and granule position of a page's header (RFC 3533 §6), or null if not a page. */
export function readOggPagePosition(page: Uint8Array): OggPagePosition | null {
  if (page.length < 27 || page[0] !== 0x4f || page[1] !== 0x67 || page[2] !== 0x67 || page[3] !== 0x53) return null;
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  return {
    granulePosition: view.getBigInt64(6, true),
    serial: view.getUint32(14, true),
    sequence: view.getUint32(18, true),
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
