// The file under one spool segment, whatever writes its bytes (segment-writer.ts: the studio's Opus
// pages; passthrough-segment.ts: a source's stream as received): created on the first write
// (never over an existing file), hashed (SHA-256, CRC-32C) as it is written, fsync'd and closed.
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ignoreCleanupError } from '../../../shared/src/errors.ts';
import { crc32c, crc32cToBase64 } from '../verify/crc32c.ts';
import { nodeSpoolFs, type SpoolFs } from './spool-fs.ts';

export interface SegmentDigest {
  sizeBytes: number;
  /** SHA-256 of the whole file, lowercase hex. */
  sha256: string;
  /** CRC-32C of the whole file, S3's base64 form (the segment uploader sends it). */
  crc32c: string;
}

export class SegmentFile {
  readonly path: string;
  readonly #fs: SpoolFs;
  readonly #hash: Hash = createHash('sha256');
  #crc = 0;
  #fh: FileHandle | null = null;
  #sizeBytes = 0;

  constructor(path: string, fs: SpoolFs = nodeSpoolFs) {
    this.path = path;
    this.#fs = fs;
  }

  /** Appends chunk (to the page cache; close() makes it durable). The first call creates the file. */
  async write(chunk: Uint8Array): Promise<void> {
    this.#fh ??= await this.#fs.open(this.path, 'wx', 0o644);
    if (chunk.byteLength === 0) return;
    await this.#fh.writeFile(chunk);
    this.#hash.update(chunk);
    this.#crc = crc32c(chunk, this.#crc);
    this.#sizeBytes += chunk.byteLength;
  }

  /** fsync and close (closed on failure too); the digest of everything written. */
  async close(): Promise<SegmentDigest> {
    try {
      await this.write(new Uint8Array(0));
      await this.#fh!.sync();
    } finally {
      await this.abandon();
    }
    return { sizeBytes: this.#sizeBytes, sha256: this.#hash.digest('hex'), crc32c: crc32cToBase64(this.#crc) };
  }

  /** Closes the file, finished or not (close() does it; the spool calls it when it failed). */
  async abandon(): Promise<void> {
    const fh = this.#fh;
    this.#fh = null;
    await fh?.close().catch(ignoreCleanupError); // an abandoned file: what made it so was reported
  }
}
