// Joins the spool segments of a source's stream kept as received into one file, byte for byte: MP3
// frames back to back; Ogg pages with the copy of a chain's header pages at the start of a segment
// dropped where the chain continues from the previous segment (same serial), each chain closed with
// an EOS page (one is added after the last page when the source never sent it). Gaps hold no
// silence (they are listed in the manifest with their offset). The duration is read from the result
// (stream-duration.ts). Streaming: one segment in memory at a time. Fed by finalize-show.ts.
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import type { StreamFormat } from '../../../shared/src/audio-unit.ts';
import { buildOggEosPage, readOggPagePosition } from '../../../shared/src/ogg/ogg-eos.ts';
import { OGG_FLAG_EOS, checkOggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { crc32c, crc32cToBase64 } from '../verify/crc32c.ts';
import { StreamDuration } from '../verify/stream-duration.ts';

export interface StreamSegmentInput {
  path: string;
  /** Bytes at the start copying the chain's header pages (0: none). */
  prefixBytes: number;
}

export interface StreamConcatResult {
  sizeBytes: number;
  sha256: string;
  crc32c: string;
  /** The audio in the file, 48 kHz samples, read from its frames / granule positions. */
  durationSamples: number;
}

export async function concatenateStream(input: { segments: readonly StreamSegmentInput[]; format: StreamFormat; outPath: string }): Promise<StreamConcatResult> {
  const fh = await open(input.outPath, 'w', 0o644);
  const sha = createHash('sha256');
  const duration = new StreamDuration(input.format);
  let crc = 0;
  let size = 0;
  const write = async (bytes: Uint8Array) => {
    if (bytes.byteLength === 0) return;
    duration.push(bytes);
    sha.update(bytes);
    crc = crc32c(bytes, crc);
    size += bytes.byteLength;
    await fh.writeFile(bytes);
  };
  try {
    const ogg = input.format !== 'mp3';
    let lastPage: Uint8Array | null = null;
    for (const seg of input.segments) {
      let bytes = new Uint8Array(await readFile(seg.path));
      if (ogg) {
        const prefix = Math.min(seg.prefixBytes, bytes.byteLength);
        const lastSerial = lastPage ? serialOf(lastPage) : null;
        const lastEnded = lastPage ? ((lastPage[5] ?? 0) & OGG_FLAG_EOS) !== 0 : true;
        if (prefix > 0 && !lastEnded && lastSerial === serialOf(bytes)) bytes = bytes.subarray(prefix);
        // A new chain while the previous one is still open (the source reconnected): close it first.
        if (lastPage && !lastEnded && bytes.byteLength > 0 && serialOf(bytes) !== lastSerial) await write(eosAfter(lastPage));
        lastPage = lastPageOf(bytes) ?? lastPage;
      }
      await write(bytes);
    }
    if (ogg && lastPage && ((lastPage[5] ?? 0) & OGG_FLAG_EOS) === 0) await write(eosAfter(lastPage));
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { sizeBytes: size, sha256: sha.digest('hex'), crc32c: crc32cToBase64(crc), durationSamples: duration.samples48k };
}

function serialOf(page: Uint8Array): number {
  return page.byteLength >= 18 ? new DataView(page.buffer, page.byteOffset, page.byteLength).getUint32(14, true) : -1;
}

/** The last whole page in bytes (a copy), null when there is none. */
function lastPageOf(bytes: Uint8Array): Uint8Array | null {
  let offset = 0;
  let last: Uint8Array | null = null;
  while (offset < bytes.byteLength) {
    const length = checkOggPage(bytes, offset);
    if (typeof length !== 'number' || length === 0) break;
    last = bytes.subarray(offset, offset + length);
    offset += length;
  }
  return last ? last.slice() : null;
}

function eosAfter(page: Uint8Array): Uint8Array {
  const position = readOggPagePosition(page);
  if (!position) throw new Error('the last Ogg page of a segment cannot be read');
  return buildOggEosPage(position);
}
