// Writing a file so that it is either whole or absent after a crash: a temporary file next to the
// target, fsync'd, renamed into place, the directory fsync'd. Used by the local store (objects,
// manifests) and by downloads of a spool copy back into the spool.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** write() fills the temporary file through its handle; on any failure the temporary file is removed. */
export async function writeFileDurably(target: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await write(fh);
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
