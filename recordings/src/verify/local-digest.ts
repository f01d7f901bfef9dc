// One streaming pass over a local recording file: size, SHA-256, CRC-32C of the whole file and of
// each upload part. Fed a file path by the stores before they upload; feeds verify-object.ts the
// values the stored copy must match. Reads in bounded chunks: a show is never held in memory.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { crc32c, parseCrc32c } from './crc32c.ts';

export interface LocalDigest {
  sizeBytes: number;
  sha256Hex: string;
  crc32c: number;
  /** Part size the part CRCs were cut at, or 0 when none were asked for. */
  partSizeBytes: number;
  /** CRC-32C of each part (every part partSizeBytes, the last one the rest). */
  partCrcs: number[];
}

/** Digests the file; with partSizeBytes > 0 also the CRC of every part of that size. */
export async function digestFile(filePath: string, partSizeBytes = 0): Promise<LocalDigest> {
  const sha = createHash('sha256');
  let whole = 0;
  let part = 0;
  let inPart = 0;
  let sizeBytes = 0;
  const partCrcs: number[] = [];
  for await (const chunk of createReadStream(filePath, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    sha.update(chunk);
    whole = crc32c(chunk, whole);
    sizeBytes += chunk.length;
    if (partSizeBytes <= 0) continue;
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(chunk.length - at, partSizeBytes - inPart);
      part = crc32c(chunk.subarray(at, at + take), part);
      inPart += take;
      at += take;
      if (inPart === partSizeBytes) {
        partCrcs.push(part);
        part = 0;
        inPart = 0;
      }
    }
  }
  if (partSizeBytes > 0 && inPart > 0) partCrcs.push(part);
  return { sizeBytes, sha256Hex: sha.digest('hex'), crc32c: whole, partSizeBytes, partCrcs };
}

/** Hex or base64 SHA-256 → lowercase hex; null when it is neither. */
export function parseSha256(text: string): string | null {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return s.toLowerCase();
  if (/^[A-Za-z0-9+/]{43}=$/.test(s)) return Buffer.from(s, 'base64').toString('hex');
  return null;
}

/**
 * Whether the file on disk is still the one the finalizer described (size, SHA-256, CRC-32C):
 * null when it is, else the reason. A mismatch means the local copy changed or rotted: nothing
 * may be uploaded as "the recording" and nothing deleted.
 */
export function localDigestMismatch(
  expected: { sizeBytes: number; sha256: string; crc32c: string },
  digest: LocalDigest,
): string | null {
  if (digest.sizeBytes !== expected.sizeBytes) {
    return `the local file is ${digest.sizeBytes} bytes, the recording was finalized at ${expected.sizeBytes}`;
  }
  const sha = parseSha256(expected.sha256);
  if (sha === null) return `the recording's sha256 "${expected.sha256}" is not 64 hex digits or base64`;
  if (sha !== digest.sha256Hex) return `the local file's SHA-256 is ${digest.sha256Hex}, the recording was finalized with ${sha}`;
  const crc = parseCrc32c(expected.crc32c);
  if (crc === null) return `the recording's crc32c "${expected.crc32c}" is not 8 hex digits or S3 base64`;
  if (crc !== digest.crc32c) {
    return `the local file's CRC-32C is ${hex8(digest.crc32c)}, the recording was finalized with ${hex8(crc)}`;
  }
  return null;
}

export const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
