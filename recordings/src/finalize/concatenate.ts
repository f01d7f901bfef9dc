// Joins a show's spool segments into one continuous Ogg Opus file without transcoding: one logical
// stream (one serial, one OpusHead, one OpusTags), page sequence numbers 0, 1, 2, … and granule
// positions counting every packet's samples (RFC 7845 §4) across segment boundaries. Streaming: one
// segment (≤ segment_seconds of audio) in memory at a time. Fed by finalize-show.ts; its output goes
// to the store. A trailing segment cut by a crash is read up to its last complete page.
//
// Gaps (frames the studio could not resend) become silence: Opus packets of 20 ms (and 10/5/2.5 ms
// for the remainder) whose CELT frame decodes to silence, so the file's timeline matches the show's
// and every player agrees on the duration. Advancing the granule position instead is not allowed
// mid-stream by RFC 7845 §4 (it is only defined at the start) and players handle it differently.
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { isOpusHead, isOpusTags, opusPacketSamples } from '../../../shared/src/ogg/codec-headers.ts';
import { OggPacketAssembler, checkOggPage, readOggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { OpusMuxer, type NowPlaying } from '../../../shared/src/ogg/opus-muxer.ts';
import { crc32c, crc32cToBase64 } from '../verify/crc32c.ts';

/** One second per page in the final file: few pages, still fine-grained seeking. */
const FINAL_PAGE_SAMPLES = 48_000;
/** Pages are written in chunks of about this size. */
const WRITE_CHUNK_BYTES = 256 * 1024;

export interface ConcatGap {
  /** Packets before the gap (counted over all segments, in order). */
  framesBefore: number;
  durationSamples: number;
}

export interface ConcatInput {
  /** Segment files in order. */
  segmentPaths: readonly string[];
  opusHead: Uint8Array;
  gaps?: readonly ConcatGap[];
  outPath: string;
  serial: number;
  tags?: NowPlaying;
}

export interface ConcatResult {
  sizeBytes: number;
  /** lowercase hex */
  sha256: string;
  /** base64 of the big-endian value */
  crc32c: string;
  /** The last granule position: every packet's samples plus the silence inserted for gaps. */
  durationSamples: number;
  packets: number;
  silencePackets: number;
  pages: number;
  /** Per input segment: the packets read (a truncated trailing segment reads fewer). */
  packetsPerSegment: number[];
  samplesPerSegment: number[];
}

/**
 * RFC 6716 §3.1: TOC byte = config << 3 | stereo << 2 | code 0 (one frame). Configs 28–31 are CELT
 * fullband of 2.5/5/10/20 ms. The two payload bytes 0xFF 0xFE decode as a CELT frame with the
 * silence flag set (RFC 6716 §4.3, the packet libopus' DTX and WebRTC send for silence).
 */
export function opusSilencePacket(durationSamples: 120 | 240 | 480 | 960, stereo: boolean): Uint8Array {
  const config = { 120: 28, 240: 29, 480: 30, 960: 31 }[durationSamples];
  return Uint8Array.of((config << 3) | (stereo ? 0x04 : 0), 0xff, 0xfe);
}

/** Silence packets covering samples (rounded down to 2.5 ms). */
export function silencePackets(samples: number, stereo: boolean): { packet: Uint8Array; durationSamples: number }[] {
  const out: { packet: Uint8Array; durationSamples: number }[] = [];
  let left = samples;
  for (const size of [960, 480, 240, 120] as const) {
    const packet = opusSilencePacket(size, stereo);
    while (left >= size) {
      out.push({ packet, durationSamples: size });
      left -= size;
    }
  }
  return out;
}

/** Reads the Opus packets of one segment file, up to its last complete, valid page. */
export function* segmentPackets(bytes: Uint8Array): Generator<Uint8Array> {
  const assembler = new OggPacketAssembler();
  let offset = 0;
  let index = 0;
  while (offset < bytes.length) {
    const length = checkOggPage(bytes, offset);
    if (typeof length !== 'number' || length === 0) return; // torn or cut page: the segment ends here
    const page = readOggPage(bytes, offset, length);
    offset += length;
    for (const p of assembler.push(page)) {
      const i = index++;
      if ((i === 0 && isOpusHead(p.data)) || (i === 1 && isOpusTags(p.data))) continue;
      yield p.data;
    }
  }
}

export async function concatenateSegments(input: ConcatInput): Promise<ConcatResult> {
  const muxer = new OpusMuxer({ opusHead: input.opusHead, pageDurationSamples: FINAL_PAGE_SAMPLES, vendor: 'Aircheck recorder' });
  const stereo = (input.opusHead[9] ?? 2) > 1;
  const gaps = [...(input.gaps ?? [])].sort((a, b) => a.framesBefore - b.framesBefore);
  const sha = createHash('sha256');
  let crc = 0;
  const fh = await open(input.outPath, 'w', 0o644);
  let chunk: Uint8Array[] = [];
  let chunkBytes = 0;
  let sizeBytes = 0;
  let pages = 0;
  const write = async (out: Uint8Array[], force = false) => {
    for (const p of out) {
      chunk.push(p);
      chunkBytes += p.length;
      pages++;
    }
    if (chunkBytes < WRITE_CHUNK_BYTES && !force) return;
    const buf = Buffer.concat(chunk);
    chunk = [];
    chunkBytes = 0;
    sha.update(buf);
    crc = crc32c(buf, crc);
    sizeBytes += buf.length;
    await fh.writeFile(buf);
  };
  let packets = 0;
  let silence = 0;
  let samples = 0;
  let gapIndex = 0;
  const packetsPerSegment: number[] = [];
  const samplesPerSegment: number[] = [];
  const fillGaps = async () => {
    while (gapIndex < gaps.length && gaps[gapIndex]!.framesBefore <= packets) {
      for (const s of silencePackets(gaps[gapIndex]!.durationSamples, stereo)) {
        await write(muxer.push(s.packet, s.durationSamples));
        samples += s.durationSamples;
        silence++;
      }
      gapIndex++;
    }
  };
  try {
    await write(muxer.beginChain(input.serial, input.tags ?? null));
    for (const path of input.segmentPaths) {
      const bytes = new Uint8Array(await readFile(path));
      let segPackets = 0;
      let segSamples = 0;
      for (const packet of segmentPackets(bytes)) {
        await fillGaps();
        const n = opusPacketSamples(packet);
        await write(muxer.push(packet, n));
        packets++;
        samples += n;
        segPackets++;
        segSamples += n;
      }
      packetsPerSegment.push(segPackets);
      samplesPerSegment.push(segSamples);
    }
    await fillGaps(); // a gap at the end (the show ended while the recorder was failing)
    await write(muxer.endChain(), true);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return {
    sizeBytes, sha256: sha.digest('hex'), crc32c: crc32cToBase64(crc), durationSamples: samples,
    packets, silencePackets: silence, pages, packetsPerSegment, samplesPerSegment,
  };
}
