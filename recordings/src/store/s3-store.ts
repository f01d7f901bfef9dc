// The object store for finished recordings: Cloudflare R2 in production, any S3-compatible store
// (Ceph RGW in the tests). Fed finalized show files by the finalizer through RecordingStore; uploads
// them (PutObject, or equal-part multipart) with explicit CRC-32C checksums, retries with backoff,
// aborts failed multipart uploads, then verifies the stored copy (verify/verify-object.ts) and writes
// the manifest next to it. Only `verified: true` lets the caller delete local data.

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { AircheckError } from '../../../shared/src/errors.ts';
import type { ByteRange, PutAndVerifyInput, PutAndVerifyResult, RecordingFormat, RecordingStore } from '../store-contract.ts';
import { crc32c, crc32cToBase64 } from '../verify/crc32c.ts';
import { digestFile, localDigestMismatch } from '../verify/local-digest.ts';
import type { LocalDigest } from '../verify/local-digest.ts';
import { verifyStoredObject } from '../verify/verify-object.ts';
import { storedManifest } from './stored-manifest.ts';
import type { StoredObjectInfo, StoredObjectReader } from '../verify/verify-object.ts';
import { planParts } from './part-plan.ts';
import { manifestKey } from './recording-key.ts';
import { withRetry } from './retry.ts';
import type { RetryOptions } from './retry.ts';

import { writeFileDurably } from '../spool/spool-fs.ts';

export interface S3Connection {
  /** e.g. https://<account>.r2.cloudflarestorage.com; omitted for AWS itself. */
  endpoint?: string;
  /** R2 uses 'auto'. */
  region: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * One S3Client, set up so the same code works against R2 and Ceph RGW:
 * - requestChecksumCalculation WHEN_REQUIRED: the SDK does not switch uploads to aws-chunked
 *   trailer encoding on its own; we send the CRC-32C we computed from the file as a plain
 *   x-amz-checksum-crc32c header (with x-amz-sdk-checksum-algorithm), which both stores validate.
 * - responseChecksumValidation WHEN_REQUIRED: no automatic validation of (ranged) GETs; the
 *   verifier compares checksums itself, in the form the store reports.
 * - maxAttempts 1: retries are decided in one place, withRetry() (a streamed body cannot be
 *   replayed by the SDK's own retry anyway).
 */
export function createS3Client(
  conn: S3Connection,
  extra: Partial<S3ClientConfig> = {},
  log?: Pick<Logger, 'debug'>,
): S3Client {
  // The SDK warns on console about failed streaming requests we retry ourselves: route to debug.
  const sdkLog = (msg: unknown): void => log?.debug({ sdk: String(msg) }, 'aws sdk');
  return new S3Client({
    logger: { trace: () => {}, debug: () => {}, info: () => {}, warn: sdkLog, error: sdkLog },
    ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
    region: conn.region,
    forcePathStyle: conn.forcePathStyle,
    credentials: { accessKeyId: conn.accessKeyId, secretAccessKey: conn.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    ...extra,
  });
}

export interface S3RecordingStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prefix of every key (recordings, spool copies); the start-up sweep looks under it. Default 'recordings/'. */
  prefix?: string;
  /** Files of at least this size go multipart. Default 16 MiB. */
  multipartThresholdBytes?: number;
  /** Preferred part size (≥ 5 MiB; grown for huge files). Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded at once (each streams from disk; memory stays small). Default 4. */
  partConcurrency?: number;
  retry?: RetryOptions;
  /** Duration tolerance in 48 kHz samples (default: one 20 ms frame). */
  durationToleranceSamples?: number;
  log?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

const MIB = 1024 * 1024;

export class S3RecordingStore implements RecordingStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly keyPrefix: string;
  readonly #client: S3Client;
  readonly #opts: S3RecordingStoreOptions;
  readonly #threshold: number;

  constructor(opts: S3RecordingStoreOptions) {
    this.#client = opts.client;
    this.#opts = opts;
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? 'recordings/';
    this.keyPrefix = this.prefix;
    this.#threshold = opts.multipartThresholdBytes ?? 16 * MIB;
  }

  /**
   * Aborts multipart uploads under our prefix begun more than olderThanMs ago: uploads a crashed
   * process left behind (R2 would only drop them after 7 days, and they cost storage meanwhile).
   * Call once at start, before the first upload. Returns how many were aborted.
   */
  async sweepStaleUploads(olderThanMs = 60 * 60 * 1000): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.#retry(() => this.#client.send(new ListMultipartUploadsCommand({
        Bucket: this.bucket, Prefix: this.prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker,
      })));
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue;
        if (u.Initiated && u.Initiated.getTime() > cutoff) continue;
        await this.#abort(u.Key, u.UploadId);
        aborted++;
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
    if (aborted > 0) this.#opts.log?.warn({ bucket: this.bucket, prefix: this.prefix, aborted }, 'stale multipart uploads aborted');
    return aborted;
  }

  async putAndVerify(input: PutAndVerifyInput): Promise<PutAndVerifyResult> {
    const { key } = input;
    const log = this.#opts.log;
    try {
      const multipart = input.sizeBytes >= this.#threshold;
      const plan = multipart ? planParts(input.sizeBytes, this.#opts.partSizeBytes) : undefined;
      // 1. The local file must still be the one the finalizer described.
      const local = await digestFile(input.filePath, plan?.partSizeBytes ?? 0);
      const changed = localDigestMismatch(input, local);
      if (changed) return { verified: false, code: 'REC_VERIFY_FAILED', reason: changed };

      // 2. Already stored and verified by an earlier attempt (recovery after a crash)? Then only
      //    the manifest may be missing.
      const format = input.format ?? 'ogg-opus';
      const expectation = { local, format, durationSamples: input.durationSamples, toleranceSamples: this.#opts.durationToleranceSamples };
      const reader = this.#reader(key);
      let check = await verifyStoredObject(reader, expectation);
      if (!check.verified) {
        // 3. Upload, then verify what the store now holds.
        if (plan) await this.#putMultipart(key, input.filePath, local, plan.partSizeBytes, format);
        else await this.#putSingle(key, input.filePath, local, format);
        check = await verifyStoredObject(reader, expectation);
        if (!check.verified) {
          log?.error({ code: 'REC_VERIFY_FAILED', bucket: this.bucket, key, reason: check.reason }, 'stored recording failed verification');
          return { verified: false, code: 'REC_VERIFY_FAILED', reason: check.reason };
        }
      }
      // 4. The manifest next to it (show, DJ, times, duration, size, checksum, gaps + what we verified).
      if (input.manifest) await this.putJson(manifestKey(key), storedManifest(input.manifest, key, local, check));
      const location = `s3://${this.bucket}/${key}`;
      log?.info({ location, sizeBytes: local.sizeBytes, checksum: check.checksum }, 'recording stored and verified');
      return { verified: true, location };
    } catch (err) {
      const reason = `upload of ${key} failed: ${describe(err)}`;
      log?.error({ code: 'REC_STORE_FAILED', bucket: this.bucket, key, err }, 'recording upload failed');
      return { verified: false, code: 'REC_STORE_FAILED', reason };
    }
  }

  putJson(key: string, value: unknown): Promise<void> {
    return this.putText(key, JSON.stringify(value, null, 2), 'application/json');
  }

  async putText(key: string, text: string, contentType: string): Promise<void> {
    const body = Buffer.from(text);
    await this.#retry(() => this.#client.send(new PutObjectCommand({
      Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length,
      ContentType: contentType, ChecksumAlgorithm: 'CRC32C', ChecksumCRC32C: crc32cToBase64(crc32c(body)),
    })));
  }

  async getJson(key: string): Promise<unknown> {
    const text = await this.#retry(async () => {
      try {
        const res = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return res.Body ? await res.Body.transformToString() : '';
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    });
    return text === null ? null : JSON.parse(text);
  }

  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#retry(() => this.#client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async download(key: string, filePath: string): Promise<void> {
    await this.#retry(() => writeFileDurably(filePath, async (fh) => {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (res.Body) for await (const chunk of res.Body as Readable as AsyncIterable<Uint8Array>) await fh.write(chunk);
    }));
  }

  /**
   * One DeleteObject per key, eight at a time. Not DeleteObjects: the SDK sends that with a CRC32
   * header S3-compatible stores handle unevenly (some demand Content-MD5), while DeleteObject works
   * everywhere. A missing key is not an error (S3 answers 204 either way).
   */
  async deleteKeys(keys: string[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const Key = keys[next++]!;
        await this.#retry(() => this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, keys.length) }, worker));
  }

  async stat(key: string): Promise<{ size: number } | null> {
    return this.#retry(async () => {
      try {
        const h = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
        return { size: h.ContentLength ?? 0 };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    });
  }

  /** GetObject (with `Range: bytes=start-end`); retried until the body starts, then streamed as it arrives. */
  async openRead(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const res = await this.#retry(async () => {
      try {
        return await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
      } catch (err) {
        if (isNotFound(err)) throw new AircheckError('RECORDING_UNAVAILABLE', `the bucket ${this.bucket} has no object "${key}": it was removed, or never stored`, { cause: err });
        throw err;
      }
    });
    if (!res.Body) throw new Error(`GetObject ${key} answered without a body`);
    return res.Body as Readable;
  }

  async #putSingle(key: string, filePath: string, local: LocalDigest, format: RecordingFormat): Promise<void> {
    await this.#retry(() => withFileStream(filePath, 0, local.sizeBytes, (Body) => this.#client.send(new PutObjectCommand({
      Bucket: this.bucket, Key: key, Body, ContentLength: local.sizeBytes, ContentType: CONTENT_TYPES[format],
      ChecksumAlgorithm: 'CRC32C', ChecksumCRC32C: crc32cToBase64(local.crc32c),
    }))));
  }

  async #putMultipart(key: string, filePath: string, local: LocalDigest, partSizeBytes: number, format: RecordingFormat): Promise<void> {
    const created = await this.#retry(() => this.#client.send(new CreateMultipartUploadCommand({
      Bucket: this.bucket, Key: key, ContentType: CONTENT_TYPES[format], ChecksumAlgorithm: 'CRC32C',
    })));
    const uploadId = created.UploadId;
    if (!uploadId) throw Object.assign(new Error('CreateMultipartUpload returned no UploadId'), { name: 'NoUploadId' });
    const log = this.#opts.log;
    log?.debug({ key, uploadId, parts: local.partCrcs.length, partSizeBytes }, 'multipart upload started');
    try {
      const parts: CompletedPart[] = new Array(local.partCrcs.length);
      let next = 0;
      let failed = false;
      const worker = async (): Promise<void> => {
        while (!failed && next < local.partCrcs.length) {
          const index = next++;
          const start = index * partSizeBytes;
          const length = Math.min(partSizeBytes, local.sizeBytes - start);
          const checksum = crc32cToBase64(local.partCrcs[index] as number);
          try {
            const res = await this.#retry(() => withFileStream(filePath, start, length, (Body) => this.#client.send(new UploadPartCommand({
              Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: index + 1, Body, ContentLength: length,
              ChecksumAlgorithm: 'CRC32C', ChecksumCRC32C: checksum,
            }))));
            parts[index] = { PartNumber: index + 1, ETag: res.ETag, ChecksumCRC32C: res.ChecksumCRC32C ?? checksum };
          } catch (err) {
            failed = true;
            throw err;
          }
        }
      };
      const workers = Array.from({ length: Math.min(this.#opts.partConcurrency ?? 4, local.partCrcs.length) }, worker);
      const settled = await Promise.allSettled(workers);
      const rejected = settled.find((s) => s.status === 'rejected');
      if (rejected) throw rejected.reason;
      await this.#retry(async (attempt) => {
        try {
          await this.#client.send(new CompleteMultipartUploadCommand({
            Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts },
          }));
        } catch (err) {
          // An earlier attempt completed it but its answer was lost: verification decides.
          if (attempt > 1 && (err as { name?: string }).name === 'NoSuchUpload') return;
          throw err;
        }
      });
    } catch (err) {
      await this.#abort(key, uploadId).catch((abortErr: unknown) => {
        log?.warn({ key, uploadId, err: abortErr }, 'aborting a failed multipart upload failed; the start-up sweep will retry');
      });
      throw err;
    }
  }

  async #abort(key: string, uploadId: string): Promise<void> {
    await this.#retry(async () => {
      try {
        await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
      } catch (err) {
        if ((err as { name?: string }).name !== 'NoSuchUpload') throw err; // already gone
      }
    });
    this.#opts.log?.info({ key, uploadId }, 'multipart upload aborted');
  }

  #reader(key: string): StoredObjectReader {
    const client = this.#client;
    const bucket = this.bucket;
    return {
      head: () => this.#retry(async (): Promise<StoredObjectInfo | null> => {
        try {
          const h = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
          return {
            sizeBytes: h.ContentLength ?? -1,
            checksumCrc32c: h.ChecksumCRC32C, checksumSha256: h.ChecksumSHA256, checksumType: h.ChecksumType,
          };
        } catch (err) {
          if (isNotFound(err)) return null;
          throw err;
        }
      }),
      readRange: (start, endInclusive) => this.#retry(async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${endInclusive}` }));
        return res.Body ? await res.Body.transformToByteArray() : new Uint8Array(0);
      }),
      async *readAll() {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (res.Body) yield* res.Body as Readable as AsyncIterable<Uint8Array>;
      },
    };
  }

  #retry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    const log = this.#opts.log;
    return withRetry(fn, {
      onRetry: ({ attempt, delayMs, error }) => log?.warn({ attempt, delayMs, err: describe(error) }, 'object store request failed, retrying'),
      ...this.#opts.retry,
    });
  }
}

const CONTENT_TYPES: Record<RecordingFormat, string> = {
  'ogg-opus': 'audio/ogg', mp3: 'audio/mpeg',
  'stream:mp3': 'audio/mpeg', 'stream:ogg-opus': 'audio/ogg', 'stream:ogg-vorbis': 'audio/ogg', 'stream:aac': 'audio/aac',
};

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/** A fresh read stream of file[start, start+length) for one attempt; always closed afterwards. */
async function withFileStream<T>(filePath: string, start: number, length: number, use: (body: Readable) => Promise<T>): Promise<T> {
  const stream = createReadStream(filePath, { start, end: start + length - 1, highWaterMark: 256 * 1024 });
  try {
    return await use(stream);
  } finally {
    stream.destroy();
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return `${e?.name ?? 'Error'}${e?.code ? ` (${e.code})` : ''}${status ? ` HTTP ${status}` : ''}${e?.message ? `: ${e.message}` : ''}`;
}
