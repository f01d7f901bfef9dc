// The contract between the recording pipeline (spool → finalize → recover) and the object store:
// the spool's segment uploader copies each closed segment to the store while the show runs, the
// finalizer hands a finished show file to putAndVerify; only a verified result lets it delete local
// data. Recovery reads the spool copy back when the local spool was lost. Implemented by
// store/s3-store.ts (R2 / any S3) and store/local-store.ts (embedded).

import type { StreamFormat } from '../../shared/src/audio-unit.ts';

/**
 * What a stored object holds; decides how verification reads its duration. `stream:<format>`: a
 * source's stream kept as received (MP3 frames, Ogg chains), its length read from all its frames.
 */
export type RecordingFormat = 'ogg-opus' | 'mp3' | `stream:${StreamFormat}`;

export interface PutAndVerifyInput {
  key: string;
  filePath: string;
  sizeBytes: number;
  /** SHA-256 of the file, lowercase hex. */
  sha256: string;
  /** CRC-32C of the file, base64 of its 4 big-endian bytes (S3's x-amz-checksum-crc32c form). */
  crc32c: string;
  /**
   * Ogg Opus: 48 kHz samples as the last granule position counts them (pre-skip included).
   * MP3: playable samples at 48 kHz. stream:*: the audio its frames / granule positions carry, 48 kHz.
   * null: checksums only (a piece of a source's stream, a spool segment, has no duration of its own to check).
   */
  durationSamples: number | null;
  /** Default 'ogg-opus'. */
  format?: RecordingFormat;
  /** Stored next to the object as `<key without extension>.manifest.json`; omitted: no manifest. */
  manifest?: object;
}

/**
 * A failure's code: REC_STORE_FAILED when the object could not be written or read (network, store
 * errors after retries, a full or unwritable store directory), REC_VERIFY_FAILED when the store holds
 * something other than the file (checksum, size or duration differ) or the local file changed.
 */
export type PutAndVerifyResult =
  | { verified: true; location: string }
  | { verified: false; code: 'REC_STORE_FAILED' | 'REC_VERIFY_FAILED'; reason: string };

export interface RecordingStore {
  /** Prefix of every key this store writes (`recordings/` by default, `[storage] prefix`). */
  readonly keyPrefix: string;
  putAndVerify(input: PutAndVerifyInput): Promise<PutAndVerifyResult>;
  /** A small JSON document (the spool copy's manifest), replaced whole. Throws on failure. */
  putJson(key: string, value: unknown): Promise<void>;
  /** A small text document (the CUE sheet beside a recording), replaced whole. Throws on failure. */
  putText(key: string, text: string, contentType: string): Promise<void>;
  /** The JSON document at key, or null when there is none. Throws on other failures. */
  getJson(key: string): Promise<unknown>;
  /** Every key under prefix, in key order. */
  listKeys(prefix: string): Promise<string[]>;
  /** Copies the object at key to filePath (written to a temporary file, fsync'd, renamed). */
  download(key: string, filePath: string): Promise<void>;
  /** Removes the objects (missing ones are not an error). */
  deleteKeys(keys: string[]): Promise<void>;
  /** The object's size, or null when there is none. Throws on other failures. */
  stat(key: string): Promise<{ size: number } | null>;
  /**
   * The object's bytes as a stream: all of it, or bytes start..end inclusive (the caller checked
   * 0 ≤ start ≤ end < size). Rejects with RECORDING_UNAVAILABLE when the object does not exist.
   */
  openRead(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>;
}

/** An inclusive byte range, as in HTTP's `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}
