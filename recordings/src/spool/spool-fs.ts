// The recordings' file-system edge: durable writes (tmp + fsync + rename + fsync of the directory)
// and the mapping of disk errors (ENOSPC, EROFS, EACCES, …) to AircheckError codes. Used by the show
// spool, the finalizer, recovery and the stores; nothing here knows about audio.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { AircheckError, ignoreCleanupError, isAircheckError } from '../../../shared/src/errors.ts';

/**
 * The file-system calls the spool makes, as a seam: production passes nodeSpoolFs; fault tests pass
 * limitedSpaceFs (limited-space-fs.ts), which throws ENOSPC like a full disk, or unwritableFs
 * (unwritable-fs.ts), which throws EROFS or EACCES like a read-only or forbidden spool.
 */
export interface SpoolFs {
  open(path: string, flags: string, mode?: number): Promise<FileHandle>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<unknown>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options?: { force?: boolean; recursive?: boolean }): Promise<void>;
}

export const nodeSpoolFs: SpoolFs = { open, mkdir, rename, rm };

/**
 * Writes a file so that a crash leaves either the old or the new one, never a torn one: a temporary
 * file next to target (removed on failure), fsync'd, renamed into place, the directory fsync'd. The
 * directory must exist. write() fills the temporary file through its handle.
 */
export async function writeFileDurably(target: string, write: (fh: FileHandle) => Promise<void>, fs: SpoolFs = nodeSpoolFs): Promise<void> {
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await fs.open(tmp, 'wx', 0o644);
    try {
      await write(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(ignoreCleanupError); // the write's error is what counts
    throw err;
  }
  await fsyncDir(dirname(target), fs);
}

/** Writes value as JSON at path, durably (writeFileDurably). */
export function writeJsonAtomic(path: string, value: unknown, fs: SpoolFs = nodeSpoolFs): Promise<void> {
  return writeFileDurably(path, (fh) => fh.writeFile(`${JSON.stringify(value, null, 2)}\n`), fs);
}

/** Makes a rename or a new file in dir durable (POSIX: fsync the directory). */
export async function fsyncDir(dir: string, fs: SpoolFs = nodeSpoolFs): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Disk-full errnos: no space, or the user's quota. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The AircheckError for a failed spool operation: REC_DISK_FULL when the disk is full,
 * REC_SPOOL_UNWRITABLE for everything else (read-only, permissions, I/O). The original is the cause.
 */
export function spoolError(err: unknown, what: string, path: string): AircheckError {
  if (isAircheckError(err)) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? 'unknown';
  if (FULL.has(code)) {
    return new AircheckError('REC_DISK_FULL', `${what} "${path}" failed: the disk is full (${code}); free space on the spool's disk or point recordings.spool_dir at a larger one`, { cause: err });
  }
  return new AircheckError('REC_SPOOL_UNWRITABLE', `${what} "${path}" failed (${code}): the spool must be writable by the bridge — check permissions, a read-only mount, or the disk's health`, { cause: err });
}

/** Removes a file, ignoring one that is already gone. */
export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
