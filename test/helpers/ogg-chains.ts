// Splits a captured Ogg stream into its chains (each starts at a BOS page), so a test can decode
// each chain on its own: ffmpeg 5.1 cannot decode chained Ogg Opus in one go.
import { parseOggPage } from '../../shared/src/ogg/ogg-page.ts';

export function splitOggChains(bytes: Uint8Array): Uint8Array[] {
  const chains: Uint8Array[] = [];
  let chainStart = 0;
  let offset = 0;
  while (offset < bytes.length) {
    const parsed = parseOggPage(bytes, offset);
    if (!parsed) break;
    if (parsed.page.bos && offset > chainStart) {
      chains.push(bytes.subarray(chainStart, offset));
      chainStart = offset;
    }
    offset = parsed.nextOffset;
  }
  if (offset > chainStart) chains.push(bytes.subarray(chainStart, offset));
  return chains;
}
