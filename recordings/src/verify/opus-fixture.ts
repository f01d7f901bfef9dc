// Test fixture: small synthetic Ogg Opus files (valid pages, OpusHead, granules of 20 ms frames)
// for the verify and store tests. Not used at run time.

import { writeOggPage } from '../../../shared/src/ogg/ogg-page.ts';

/** A 19-byte OpusHead (RFC 7845 §5.1): stereo, the given pre-skip, 48 kHz, family 0. */
export function opusHead(preSkip: number): Uint8Array {
  const b = Buffer.alloc(19);
  b.write('OpusHead', 0, 'latin1');
  b[8] = 1;
  b[9] = 2;
  b.writeUInt16LE(preSkip, 10);
  b.writeUInt32LE(48000, 12);
  return b;
}

/**
 * An Ogg Opus file: head page, tags page, then `pages` audio pages of one 960-sample packet of
 * `packetBytes` bytes each (the payload is filler: only the granule positions are read). Playable
 * duration: pages × 960 samples.
 */
export function opusFile(pages: number, opts: { preSkip?: number; serial?: number; packetBytes?: number } = {}): Buffer {
  const preSkip = opts.preSkip ?? 312;
  const serial = opts.serial ?? 7;
  const packetBytes = opts.packetBytes ?? 200;
  const out: Uint8Array[] = [
    writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [opusHead(preSkip)], bos: true }),
    writeOggPage({ serial, sequence: 1, granulePosition: 0n, packets: [Buffer.from('OpusTags\0\0\0\0\0\0\0\0')] }),
  ];
  for (let i = 0; i < pages; i++) {
    out.push(writeOggPage({
      serial, sequence: 2 + i, granulePosition: BigInt(preSkip + 960 * (i + 1)),
      packets: [Buffer.alloc(packetBytes, (i * 31) & 0xff)], eos: i === pages - 1,
    }));
  }
  return Buffer.concat(out);
}

/** Pages needed for a file of at least `sizeBytes` with the given packet size. */
export function pagesForSize(sizeBytes: number, packetBytes: number): number {
  const pageBytes = 27 + Math.floor(packetBytes / 255) + 1 + packetBytes;
  return Math.ceil(sizeBytes / pageBytes);
}
