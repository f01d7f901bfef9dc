// The spool's file-system edge: atomic JSON writes (tmp + fsync + rename + fsync of the directory)
// and the mapping of disk errors (ENOSPC, EROFS, EACCES, …) to AircheckError codes. Used by the show
// spool, the finalizer and recovery; nothing here knows about audio.
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';

/** Writes value as JSON at path so that a crash leaves either the old or the new file, never a torn one. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/** Makes a rename or a new file in dir durable (POSIX: fsync the directory). */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
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
