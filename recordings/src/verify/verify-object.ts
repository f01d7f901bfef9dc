// Verify before delete: the stored copy of a recording must have the local file's size and checksum
// (in the form the store reports, or read back and hashed when it reports none) and the show's
// duration (Ogg Opus: the last granule position; its MP3 rendition: the head's Info frame). Fed a
// StoredObjectReader by s3-store.ts / local-store.ts and the LocalDigest of the file; feeds them
// verified or a reason. Only a verified result lets the pipeline remove local data.

import { createHash } from 'node:crypto';
import type { RecordingFormat } from '../store-contract.ts';
import type { StreamFormat } from '../../../shared/src/audio-unit.ts';
import { compositeCrc32c, crc32c, crc32cToBase64 } from './crc32c.ts';
import { hex8 } from './local-digest.ts';
import type { LocalDigest } from './local-digest.ts';
import { MP3_HEAD_READ_BYTES, mp3Duration, mp3HeadBytesNeeded } from './mp3-duration.ts';
import { HEAD_READ_BYTES, TAIL_READ_BYTES, opusDuration } from './ogg-duration.ts';
import { StreamDuration } from './stream-duration.ts';

/**
 * Duration tolerance: one 20 ms Opus frame (960 samples at 48 kHz). The stored duration comes
 * from the last granule position, which is exact; the captured duration may be off by the frame
 * being encoded when the show ended.
 */
export const DURATION_TOLERANCE_SAMPLES = 960;

/**
 * The MP3 rendition's tolerance: the same 20 ms. Its Info frame is sample-exact: the frame count,
 * LAME's measured encoder delay (576, see LAME_ENCODER_DELAY_SAMPLES in ../finalize/mp3-rendition.ts)
 * and the padding give the playable samples, which FFmpeg decodes to exactly (mp3-rendition.test.ts),
 * and which equal the Opus file's playable samples. So only the captured duration's own slack remains.
 */
export const MP3_DURATION_TOLERANCE_SAMPLES = DURATION_TOLERANCE_SAMPLES;

/** An ID3v2 tag larger than this at the head of an MP3 is not read (ours are a few hundred bytes). */
const MP3_MAX_HEAD_BYTES = 16 * 1024 * 1024;

/** What a store says about an object (HeadObject with ChecksumMode ENABLED, or a stat). */
export interface StoredObjectInfo {
  sizeBytes: number;
  /** x-amz-checksum-crc32c as reported: `<b64>` (FULL_OBJECT) or `<b64>-N` (COMPOSITE). */
  checksumCrc32c?: string;
  /** x-amz-checksum-sha256 as reported (same two forms). */
  checksumSha256?: string;
  /** x-amz-checksum-type: FULL_OBJECT or COMPOSITE. */
  checksumType?: string;
}

/** Read access to one stored object. */
export interface StoredObjectReader {
  /** null when the object does not exist. */
  head(): Promise<StoredObjectInfo | null>;
  /** Bytes [start, endInclusive] of the object. */
  readRange(start: number, endInclusive: number): Promise<Uint8Array>;
  /** The whole object, streamed in chunks. */
  readAll(): AsyncIterable<Uint8Array>;
}

export interface VerifyExpectation {
  local: LocalDigest;
  /** What the object holds; decides how its duration is read. Default 'ogg-opus'. */
  format?: RecordingFormat;
  /**
   * The show's captured duration as the store contract defines it. Ogg Opus: 48 kHz samples counted
   * like the last granule position (pre-skip included). MP3: playable samples at 48 kHz (what the
   * rendition decodes to: the Opus file's last granule position − pre-skip).
   */
  durationSamples: number | null;
  /** Default DURATION_TOLERANCE_SAMPLES (Ogg Opus) or MP3_DURATION_TOLERANCE_SAMPLES (MP3). */
  toleranceSamples?: number;
}

export type VerifyOutcome =
  | {
    verified: true;
    checksum: string;
    /** Ogg Opus: the last granule position. MP3 (no granules): the playable 48 kHz samples, the value compared. */
    lastGranule: number;
    playableSamples: number;
  }
  | { verified: false; reason: string };

/** Compares the stored object with the local digest and the show's duration. Never throws. */
export async function verifyStoredObject(reader: StoredObjectReader, expect: VerifyExpectation): Promise<VerifyOutcome> {
  try {
    return await verify(reader, expect);
  } catch (err) {
    const e = err as { name?: string; message?: string };
    return { verified: false, reason: `verification could not read the stored object: ${e.name ?? 'Error'}: ${e.message ?? String(err)}` };
  }
}

async function verify(reader: StoredObjectReader, expect: VerifyExpectation): Promise<VerifyOutcome> {
  const { local } = expect;
  const fail = (reason: string): VerifyOutcome => ({ verified: false, reason });

  // 1. Size.
  const info = await reader.head();
  if (!info) return fail('the stored object does not exist');
  if (info.sizeBytes !== local.sizeBytes) {
    return fail(`size mismatch: the store holds ${info.sizeBytes} bytes, the local file has ${local.sizeBytes}`);
  }

  // 2. Checksum, in the form the store reports it.
  const checked = await compareChecksum(reader, info, local);
  if (!checked.ok) return fail(checked.reason);

  // A piece of a stream (a source's spool segment): size and checksum are the whole check.
  if (expect.durationSamples === null) return { verified: true, checksum: checked.method, lastGranule: 0, playableSamples: 0 };
  const timed = expect as TimedExpectation;
  if (expect.format === 'mp3') return verifyMp3Duration(reader, info.sizeBytes, timed, checked.method);
  if (expect.format?.startsWith('stream:')) return verifyStreamDuration(reader, timed, checked.method);

  // 3. Duration from the last granule position (ranged reads of both ends).
  const size = info.sizeBytes;
  const head = await reader.readRange(0, Math.min(size, HEAD_READ_BYTES) - 1);
  const tailStart = Math.max(0, size - TAIL_READ_BYTES);
  const tail = await reader.readRange(tailStart, size - 1);
  if (tail.length !== size - tailStart) {
    return fail(`a ranged read of the tail returned ${tail.length} bytes, expected ${size - tailStart}`);
  }
  const duration = opusDuration(head, tail);
  if (typeof duration === 'string') return fail(`duration unreadable: ${duration}`);
  const tolerance = expect.toleranceSamples ?? DURATION_TOLERANCE_SAMPLES;
  if (Math.abs(duration.lastGranule - expect.durationSamples) > tolerance) {
    return fail(`duration mismatch: the stored file's last granule position is ${duration.lastGranule} (48 kHz samples), the show captured ${expect.durationSamples} (tolerance ${tolerance})`);
  }
  return { verified: true, checksum: checked.method, lastGranule: duration.lastGranule, playableSamples: duration.playableSamples };
}

/** 3 (MP3). Duration from the Info frame at the head (after an ID3v2 tag, read again when it is larger than the first read). */
async function verifyMp3Duration(reader: StoredObjectReader, size: number, expect: TimedExpectation, checksum: string): Promise<VerifyOutcome> {
  const fail = (reason: string): VerifyOutcome => ({ verified: false, reason });
  if (size === 0) return fail('MP3 duration unreadable: the stored object is empty');
  let head = await reader.readRange(0, Math.min(size, MP3_HEAD_READ_BYTES) - 1);
  const needed = Math.min(size, mp3HeadBytesNeeded(head));
  if (needed > head.length && needed <= MP3_MAX_HEAD_BYTES) head = await reader.readRange(0, needed - 1);
  const duration = mp3Duration(head);
  if (typeof duration === 'string') return fail(`MP3 duration unreadable: ${duration}`);
  const tolerance = expect.toleranceSamples ?? MP3_DURATION_TOLERANCE_SAMPLES;
  if (Math.abs(duration.playableSamples48k - expect.durationSamples) > tolerance) {
    return fail(`duration mismatch: the stored MP3's Info frame gives ${duration.playableSamples48k} playable samples (48 kHz: ${duration.frames} frames, delay ${duration.encoderDelaySamples ?? 'unknown'}, padding ${duration.paddingSamples ?? 'unknown'}), expected ${expect.durationSamples} (tolerance ${tolerance})`);
  }
  return { verified: true, checksum, lastGranule: duration.playableSamples48k, playableSamples: duration.playableSamples48k };
}

/** 3 (a source's stream kept as received). Every frame read back: the audio its frames / granules carry. */
async function verifyStreamDuration(reader: StoredObjectReader, expect: TimedExpectation, checksum: string): Promise<VerifyOutcome> {
  const duration = new StreamDuration(expect.format!.slice('stream:'.length) as StreamFormat);
  for await (const chunk of reader.readAll()) duration.push(chunk);
  const tolerance = expect.toleranceSamples ?? DURATION_TOLERANCE_SAMPLES;
  if (Math.abs(duration.samples48k - expect.durationSamples) > tolerance) {
    return { verified: false, reason: `duration mismatch: the stored stream's ${duration.units} frames/pages carry ${duration.samples48k} samples (48 kHz), the recording holds ${expect.durationSamples} (tolerance ${tolerance})` };
  }
  return { verified: true, checksum, lastGranule: duration.samples48k, playableSamples: duration.samples48k };
}

/** An expectation with a duration to check (not a spool segment's). */
type TimedExpectation = VerifyExpectation & { durationSamples: number };

type Checked = { ok: true; method: string } | { ok: false; reason: string };

async function compareChecksum(reader: StoredObjectReader, info: StoredObjectInfo, local: LocalDigest): Promise<Checked> {
  const reported = info.checksumCrc32c;
  if (reported) {
    const composite = isComposite(reported, info.checksumType);
    if (!composite) {
      const mine = crc32cToBase64(local.crc32c);
      return reported === mine
        ? { ok: true, method: `CRC32C FULL_OBJECT ${reported}` }
        : { ok: false, reason: `checksum mismatch: the store reports CRC32C ${reported} (FULL_OBJECT), the local file has ${mine}` };
    }
    if (local.partCrcs.length > 0 && reported.includes('-')) {
      const mine = compositeCrc32c(local.partCrcs);
      return reported === mine
        ? { ok: true, method: `CRC32C COMPOSITE ${reported}` }
        : { ok: false, reason: `checksum mismatch: the store reports CRC32C ${reported} (COMPOSITE), the local parts give ${mine}` };
    }
    // A composite we cannot recompute (unknown part layout): fall through to reading it back.
  } else if (info.checksumSha256 && !isComposite(info.checksumSha256, info.checksumType)) {
    const mine = Buffer.from(local.sha256Hex, 'hex').toString('base64');
    return info.checksumSha256 === mine
      ? { ok: true, method: `SHA256 FULL_OBJECT ${mine}` }
      : { ok: false, reason: `checksum mismatch: the store reports SHA-256 ${info.checksumSha256}, the local file has ${mine}` };
  }
  return readBack(reader, local);
}

function isComposite(value: string, type: string | undefined): boolean {
  return type === 'COMPOSITE' || /-\d+$/.test(value);
}

/** No usable checksum from the store: stream the object back and hash it. */
async function readBack(reader: StoredObjectReader, local: LocalDigest): Promise<Checked> {
  const sha = createHash('sha256');
  let crc = 0;
  let sizeBytes = 0;
  for await (const chunk of reader.readAll()) {
    sha.update(chunk);
    crc = crc32c(chunk, crc);
    sizeBytes += chunk.length;
  }
  const hex = sha.digest('hex');
  if (sizeBytes !== local.sizeBytes) {
    return { ok: false, reason: `read back ${sizeBytes} bytes, the local file has ${local.sizeBytes}` };
  }
  if (hex !== local.sha256Hex || crc !== local.crc32c) {
    return { ok: false, reason: `content mismatch on read-back: SHA-256 ${hex} (CRC32C ${hex8(crc)}), the local file has ${local.sha256Hex} (${hex8(local.crc32c)})` };
  }
  return { ok: true, method: `read back, SHA-256 ${hex}` };
}
