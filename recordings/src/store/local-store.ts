// The embedded default store: with no bucket configured, finished recordings are copied to a local
// directory (`<rootDir>/<key>`, written to a temporary file, fsynced, renamed) and verified the same
// way as in a bucket: size, content read back and hashed, duration from the last Ogg page. Fed by the
// finalizer through RecordingStore; a manifest is written next to each verified recording.

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { RecordingStore } from '../store-contract.ts';
import { crc32cToBase64 } from '../verify/crc32c.ts';
import { digestFile, localDigestMismatch } from '../verify/local-digest.ts';
import { verifyStoredObject } from '../verify/verify-object.ts';
import type { StoredObjectReader } from '../verify/verify-object.ts';
import { manifestKey } from './recording-key.ts';

type PutInput = Parameters<RecordingStore['putAndVerify']>[0];
type PutResult = Awaited<ReturnType<RecordingStore['putAndVerify']>>;

export interface LocalRecordingStoreOptions {
  /** Objects land at `<rootDir>/<key>`; with keys `recordings/…`, pass the data directory. */
  rootDir: string;
  durationToleranceSamples?: number;
  log?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

export class LocalRecordingStore implements RecordingStore {
  readonly rootDir: string;
  readonly #opts: LocalRecordingStoreOptions;

  constructor(opts: LocalRecordingStoreOptions) {
    this.rootDir = resolve(opts.rootDir);
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

  async putAndVerify(input: PutInput): Promise<PutResult> {
    const log = this.#opts.log;
    try {
      const target = this.pathFor(input.key);
      const local = await digestFile(input.filePath);
      const changed = localDigestMismatch(input, local);
      if (changed) return { verified: false, reason: changed };
      const expectation = { local, durationSamples: input.durationSamples, toleranceSamples: this.#opts.durationToleranceSamples };
      let check = await verifyStoredObject(fileReader(target), expectation);
      if (!check.verified) {
        await writeDurably(target, (tmp) => pipeline(createReadStream(input.filePath), createWriteStream(tmp, { flags: 'wx' })));
        check = await verifyStoredObject(fileReader(target), expectation);
        if (!check.verified) {
          log?.error({ path: target, reason: check.reason }, 'stored recording failed verification');
          return { verified: false, reason: check.reason };
        }
      }
      const manifest = Buffer.from(JSON.stringify({
        ...input.manifest,
        object: {
          key: input.key, sizeBytes: local.sizeBytes, sha256: local.sha256Hex, crc32c: crc32cToBase64(local.crc32c),
          lastGranule: check.lastGranule, playableSamples: check.playableSamples, storeChecksum: check.checksum,
        },
      }, null, 2));
      await writeDurably(this.pathFor(manifestKey(input.key)), async (tmp) => {
        const fh = await open(tmp, 'wx');
        try {
          await fh.writeFile(manifest);
        } finally {
          await fh.close();
        }
      });
      const location = pathToFileURL(target).href;
      log?.info({ location, sizeBytes: local.sizeBytes }, 'recording stored and verified');
      return { verified: true, location };
    } catch (err) {
      const e = err as { name?: string; code?: string; message?: string };
      log?.error({ key: input.key, err }, 'recording store failed');
      return { verified: false, reason: `storing ${input.key} locally failed: ${e.code ?? e.name ?? 'Error'}: ${e.message ?? String(err)}` };
    }
  }
}

/** Writes via `<target>.tmp-…`, fsyncs the file, renames it into place, fsyncs the directory. */
async function writeDurably(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await write(tmp);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dh = await open(dirname(target), 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
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
    readAll: () => createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>,
  };
}

/** Reads a stored manifest back (for tests and the catalog). */
export async function readLocalManifest(store: LocalRecordingStore, key: string): Promise<unknown> {
  return JSON.parse(await readFile(store.pathFor(manifestKey(key)), 'utf8'));
}

