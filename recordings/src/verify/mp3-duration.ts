// Duration of a stored MP3 from its head alone: skips an ID3v2 tag, reads the first frame's Xing/Info
// header (frame count) and LAME's extension (encoder delay and padding). Pure: bytes in, values out.
// Fed by verify-object.ts (a ranged read of the stored object's first bytes); the rendition it checks
// is written by ../finalize/mp3-rendition.ts.

import { id3v2Size, mpegFrameInfo } from '../../../shared/src/mp3/mp3-framer.ts';
import { parseInfoFrame } from '../../../shared/src/mp3/mp3-info-frame.ts';

/** A first read of this many bytes holds a modest ID3v2 tag and the first frame. */
export const MP3_HEAD_READ_BYTES = 64 * 1024;
/** More than the largest MPEG audio frame (MPEG-2 Layer II, 160 kbps at 8 kHz, padded: 2881 bytes). */
const MAX_FRAME_BYTES = 4096;

export interface Mp3Duration {
  /** Bytes of the ID3v2 tag before the first frame (0 when there is none). */
  id3v2Bytes: number;
  sampleRateHz: number;
  channels: 1 | 2;
  /** 1152 (MPEG-1 Layer III) or 576 (MPEG-2/2.5 Layer III). */
  samplesPerFrame: number;
  /** 'Info' marks a CBR stream, 'Xing' a VBR one. */
  tag: 'Info' | 'Xing';
  /** Audio frames after the Info frame. */
  frames: number;
  /** The Xing byte count (Info frame and audio, no tags), null when absent. */
  streamBytes: number | null;
  /** LAME's extension: the encoder, and the samples before and after the audio; null without one. */
  encoder: string | null;
  encoderDelaySamples: number | null;
  paddingSamples: number | null;
  /** Whether the LAME extension's own CRC-16 matches (null without one). */
  lameTagCrcValid: boolean | null;
  /** frames × samplesPerFrame − delay − padding, at the file's rate: what a gapless decoder outputs. */
  playableSamples: number;
  /** The same duration in 48 kHz samples (rounded when the file's rate is another). */
  playableSamples48k: number;
}

/**
 * Bytes from the start of the file that hold its ID3v2 tag (if `head` starts with one) and the first
 * frame after it: how much to read when `head` turned out too short.
 */
export function mp3HeadBytesNeeded(head: Uint8Array): number {
  const tag = id3v2Size(head, 0);
  return (tag > 0 ? tag : 0) + MAX_FRAME_BYTES;
}

/** The MP3's playable duration from its first bytes, or the reason it cannot be read. */
export function mp3Duration(head: Uint8Array): Mp3Duration | string {
  if (head.length === 0) return 'the file is empty';
  const tag = id3v2Size(head, 0);
  if (tag === 0) return `the file is cut short inside its ID3v2 header (${head.length} bytes read)`;
  const at = tag > 0 ? tag : 0;
  const where = tag > 0 ? `at byte ${at}, after the ${at}-byte ID3v2 tag` : 'at byte 0';
  if (head.length < at + 4) {
    return `the first frame ${where} is beyond the ${head.length} bytes read (read at least ${mp3HeadBytesNeeded(head)})`;
  }
  const frame = mpegFrameInfo(head, at);
  if (!frame) {
    return `no MPEG audio frame header ${where}: found ${hex(head.subarray(at, at + 4))}, expected the sync 0xFFE and a valid header (ISO 11172-3 §2.4.1.3)`;
  }
  if (frame.layer !== 3) return `the first frame is MPEG Layer ${frame.layer}: only Layer III (MP3) carries a Xing/Info header`;
  if (head.length < at + frame.lengthBytes) {
    return `the first frame (${frame.lengthBytes} bytes ${where}) is cut short: ${head.length} bytes read`;
  }
  const parsed = parseInfoFrame(head.subarray(at, at + frame.lengthBytes));
  if (typeof parsed === 'string') return `${parsed}: without it the duration is not in the head of the file`;
  if (parsed.frames === null) return 'the Xing/Info header has no frame count (flag 0x1 not set)';
  const delay = parsed.lame?.encoderDelaySamples ?? null;
  const padding = parsed.lame?.paddingSamples ?? null;
  const playableSamples = parsed.frames * frame.samplesPerFrame - (delay ?? 0) - (padding ?? 0);
  if (playableSamples < 0) {
    return `the Info header counts ${parsed.frames} frames of ${frame.samplesPerFrame} samples, fewer than the encoder delay ${delay} and padding ${padding}`;
  }
  return {
    id3v2Bytes: at,
    sampleRateHz: frame.sampleRateHz,
    channels: frame.channels,
    samplesPerFrame: frame.samplesPerFrame,
    tag: parsed.tag,
    frames: parsed.frames,
    streamBytes: parsed.streamBytes,
    encoder: parsed.lame?.encoderVersion ?? null,
    encoderDelaySamples: delay,
    paddingSamples: padding,
    lameTagCrcValid: parsed.lame?.tagCrcValid ?? null,
    playableSamples,
    playableSamples48k: frame.sampleRateHz === 48000 ? playableSamples : Math.round((playableSamples * 48000) / frame.sampleRateHz),
  };
}

function hex(bytes: Uint8Array): string {
  return bytes.length === 0 ? '(nothing)' : Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
