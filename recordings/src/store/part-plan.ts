// Multipart layout of a recording: equal parts (the last one shorter), 5 MiB – 5 GiB each, at most
// 10,000 parts (R2's rules; S3 is laxer). Pure. Used by s3-store.ts to cut the file and by the
// verifier to rebuild a COMPOSITE checksum from the same part boundaries.

export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;
export const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;

export interface PartPlan {
  partSizeBytes: number;
  partCount: number;
}

/**
 * The part size for a file of sizeBytes: at least preferredPartBytes (clamped to 5 MiB), grown in
 * whole MiB until the file fits in 10,000 parts.
 */
export function planParts(sizeBytes: number, preferredPartBytes = 8 * MIB): PartPlan {
  if (!(sizeBytes > 0)) throw new RangeError(`planParts: sizeBytes must be > 0, got ${sizeBytes}`);
  let partSizeBytes = Math.max(MIN_PART_BYTES, preferredPartBytes);
  const needed = Math.ceil(sizeBytes / MAX_PARTS);
  if (needed > partSizeBytes) partSizeBytes = Math.ceil(needed / MIB) * MIB;
  if (partSizeBytes > MAX_PART_BYTES) {
    throw new RangeError(`planParts: ${sizeBytes} bytes need parts over 5 GiB; the largest object is ${MAX_PARTS} × 5 GiB`);
  }
  return { partSizeBytes, partCount: Math.ceil(sizeBytes / partSizeBytes) };
}
