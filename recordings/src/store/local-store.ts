// The embedded default store: with no bucket configured, recordings (and the spool copies of shows
// being recorded) are copied to a local directory (`<rootDir>/<key>`, written to a temporary file,
// fsync'd, renamed) and verified the same way as in a bucket: size, content read back and hashed,
// duration from the file itself. Fed by the finalizer and the segment uploader through
// RecordingStore; a manifest is written next to each verified recording.

import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { AircheckError } from '../../../shared/src/errors.ts';
import type { ByteRange, PutAndVerifyInput, PutAndVerifyResult, RecordingStore } from '../store-contract.ts';
import { digestFile, localDigestMismatch } from '../verify/local-digest.ts';
import { verifyStoredObject } from '../verify/verify-object.ts';
import type { StoredObjectReader } from '../verify/verify-object.ts';
import { writeFileDurably } from '../spool/spool-fs.ts';
import { manifestKey } from './recording-key.ts';
import { storedManifest } from './stored-manifest.ts';

export interface LocalRecordingStoreOptions {
  /** Objects land at `<rootDir>/<key>`; with keys `recordings/…`, pass the data directory. */
  rootDir: string;
  /** Prefix of every key. Default 'recordings/'. */
  prefix?: string;
  durationToleranceSamples?: number;
  log?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

/** Chunk size for reading files back: small enough that a long show adds little to the heap. */
const READ_CHUNK_BYTES = 256 * 1024;

export class LocalRecordingStore implements RecordingStore {
  readonly rootDir: string;
  readonly keyPrefix: string;
  readonly #opts: LocalRecordingStoreOptions;

  constructor(opts: LocalRecordingStoreOptions) {
    this.rootDir = resolve(opts.rootDir);
    this.keyPrefix = opts.prefix ?? 'recordings/';
    this.#opts = opts;
  }

  /** `<rootDir>/<key>`, refusing keys that would leave rootDir. */
  pathFor(key: string): string {
    const target = resolve(this.rootDir, key);
    if (key.startsWith('/') || key.split('/').includes('..') || !target.startsWith(this.rootDir + sep)) {
      throw new RangeError(`object key "${key}" must be a relative path inside the store`);
    }
    return target;
  }

  async putAndVerify(input: PutAndVerifyInput): Promise<PutAndVerifyResult> {
    const log = this.#opts.log;
    try {
      const target = this.pathFor(input.key);
      const local = await digestFile(input.filePath);
      const changed = localDigestMismatch(input, local);
      if (changed) return { verified: false, code: 'REC_VERIFY_FAILED', reason: changed };
      const expectation = {
        local, format: input.format ?? 'ogg-opus', durationSamples: input.durationSamples, toleranceSamples: this.#opts.durationToleranceSamples,
      };
      let check = await verifyStoredObject(fileReader(target), expectation);
      if (!check.verified) {
        await writeObject(target, (fh) => copyInto(fh, input.filePath));
        check = await verifyStoredObject(fileReader(target), expectation);
        if (!check.verified) {
          log?.error({ code: 'REC_VERIFY_FAILED', path: target, reason: check.reason }, 'stored recording failed verification');
          return { verified: false, code: 'REC_VERIFY_FAILED', reason: check.reason };
        }
      }
      if (input.manifest) await this.putJson(manifestKey(input.key), storedManifest(input.manifest, input.key, local, check));
      const location = pathToFileURL(target).href;
      log?.debug({ location, sizeBytes: local.sizeBytes }, 'object stored and verified');
      return { verified: true, location };
    } catch (err) {
      const e = err as { name?: string; code?: string; message?: string };
      log?.error({ code: 'REC_STORE_FAILED', key: input.key, err }, 'recording store failed');
      return { verified: false, code: 'REC_STORE_FAILED', reason: `storing ${input.key} locally failed: ${e.code ?? e.name ?? 'Error'}: ${e.message ?? String(err)}` };
    }
  }

  putJson(key: string, value: unknown): Promise<void> {
    return this.putText(key, JSON.stringify(value, null, 2), 'application/json');
  }

  async putText(key: string, text: string, _contentType: string): Promise<void> {
    const body = Buffer.from(text);
    await writeObject(this.pathFor(key), (fh) => fh.writeFile(body));
  }

  async getJson(key: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.pathFor(key), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async listKeys(prefix: string): Promise<string[]> {
    // The prefix's directory part is listed recursively; its last part filters names.
    const dirKey = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const base = dirKey === '' ? this.rootDir : this.pathFor(dirKey);
    let names: string[];
    try {
      names = await readdir(base, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const keys: string[] = [];
    for (const name of names) {
      if (name.includes('.tmp-')) continue;
      const path = resolve(base, name);
      const key = relative(this.rootDir, path).split(sep).join('/');
      if (!key.startsWith(prefix)) continue;
      if ((await stat(path)).isFile()) keys.push(key);
    }
    return keys.sort();
  }

  async download(key: string, filePath: string): Promise<void> {
    const source = this.pathFor(key);
    await writeObject(filePath, (fh) => copyInto(fh, source));
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.pathFor(key), { force: true });
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const s = await stat(this.pathFor(key));
      return s.isFile() ? { size: s.size } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async openRead(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    // Opened before the stream is handed out: a missing object is an answer, not a stream error.
    let fh: FileHandle;
    try {
      fh = await open(this.pathFor(key), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AircheckError('RECORDING_UNAVAILABLE', `the store has no object "${key}": it was removed, or never stored`, { cause: err });
      throw err;
    }
    return fh.createReadStream({ highWaterMark: READ_CHUNK_BYTES, ...(range ? { start: range.start, end: range.end } : {}) });
  }
}

/** An object's file, written durably in its (created) directory. */
async function writeObject(target: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  await writeFileDurably(target, write);
}

/** Streams a file into an open handle, one bounded chunk at a time. */
async function copyInto(fh: FileHandle, sourcePath: string): Promise<void> {
  for await (const chunk of createReadStream(sourcePath, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) await fh.write(chunk);
}

/** The stored file as a StoredObjectReader: no checksum metadata, so the verifier reads it back. */
function fileReader(path: string): StoredObjectReader {
  return {
    head: async () => {
      try {
        return { sizeBytes: (await stat(path)).size };
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') return null;
        throw err;
      }
    },
    readRange: async (start, endInclusive) => {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(endInclusive - start + 1);
        const { bytesRead } = await fh.read(buf, 0, buf.length, start);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
    readAll: () => createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Uint8Array>,
  };
}

/** Reads a stored manifest back (for tests and the catalog). */
export async function readLocalManifest(store: LocalRecordingStore, key: string): Promise<unknown> {
  return JSON.parse(await readFile(store.pathFor(manifestKey(key)), 'utf8'));
}
