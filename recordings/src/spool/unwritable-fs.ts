// A fault seam for the spool: a SpoolFs over the real one that refuses every change the way a
// read-only mount (EROFS) or a directory the bridge may not write (EACCES) does, from the start or
// from the moment refuse() is called (a disk remounted read-only after an I/O error mid-show).
// Reading still works, as it does on such a disk. Used by unit tests (show-spool.test.ts).
import { stat, type FileHandle } from 'node:fs/promises';
import { nodeSpoolFs, type SpoolFs } from './spool-fs.ts';

export type UnwritableErrno = 'EROFS' | 'EACCES';

export interface UnwritableOptions {
  errno: UnwritableErrno;
  /** Refusing from the start (default) or only after refuse(). */
  refusing?: boolean;
  base?: SpoolFs;
}

export interface UnwritableFs extends SpoolFs {
  /** From now on every change is refused (the disk went read-only). */
  refuse(): void;
  /** Changes work again (remounted read-write, permissions fixed). */
  allow(): void;
  /** How many calls were refused. */
  readonly refusals: number;
}

const MESSAGES: Record<UnwritableErrno, [errno: number, text: string]> = {
  EROFS: [-30, 'read-only file system'],
  EACCES: [-13, 'permission denied'],
};

function fsError(code: UnwritableErrno | 'EEXIST', syscall: string, path: string): NodeJS.ErrnoException {
  const [errno, text] = code === 'EEXIST' ? [-17, 'file already exists'] : MESSAGES[code];
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, errno, syscall, path });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** open() flags that change the file system: anything but plain reading. */
const writes = (flags: string) => flags !== 'r' && flags !== 'rs';

export function unwritableFs(opts: UnwritableOptions): UnwritableFs {
  const base = opts.base ?? nodeSpoolFs;
  let refusing = opts.refusing ?? true;
  let refusals = 0;
  const refuse = (syscall: string, path: string): never => {
    refusals++;
    throw fsError(opts.errno, syscall, path);
  };
  // A file opened for writing before the disk went read-only: its writes and syncs fail from then on.
  const wrap = (fh: FileHandle, path: string): FileHandle =>
    new Proxy(fh, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        if (prop === 'write' || prop === 'writeFile' || prop === 'appendFile' || prop === 'sync' || prop === 'datasync' || prop === 'truncate') {
          return async (...args: unknown[]) => {
            if (refusing) refuse(String(prop), path);
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return v.bind(target);
      },
    });
  return {
    get refusals() {
      return refusals;
    },
    refuse() {
      refusing = true;
    },
    allow() {
      refusing = false;
    },
    async open(path, flags, mode): Promise<FileHandle> {
      if (!writes(flags)) return base.open(path, flags, mode);
      if (refusing) refuse('open', path);
      return wrap(await base.open(path, flags, mode), path);
    },
    async mkdir(path, options) {
      if (refusing) {
        // As Linux does: an existing name is EEXIST even on a read-only disk (mkdir -p accepts it).
        if (await exists(path)) {
          if (options?.recursive) return undefined;
          throw fsError('EEXIST', 'mkdir', path);
        }
        refuse('mkdir', path);
      }
      return base.mkdir(path, options);
    },
    async rename(from, to) {
      if (refusing) refuse('rename', from);
      return base.rename(from, to);
    },
    async rm(path, options) {
      if (refusing) {
        if (options?.force && !(await exists(path))) return; // nothing to remove: rm -f succeeds
        refuse('rm', path);
      }
      return base.rm(path, options);
    },
  };
}
