// A fault seam for the spool: a SpoolFs over the real one that behaves like a disk with a limited
// amount of free space. Writes use it up and throw ENOSPC (as the kernel does) once it is gone;
// removing a file, or renaming over one, gives its size back; a directory takes one 4 KiB block.
// Optionally the disk frees again fullForMs after the first ENOSPC. Used by unit tests and, through
// AIRCHECK_TEST_SPOOL_FREE_BYTES (honoured only with NODE_ENV=test), by integration tests.
import { stat, type FileHandle } from 'node:fs/promises';
import { nodeSpoolFs, type SpoolFs } from './spool-fs.ts';

export interface LimitedSpaceOptions {
  /** Bytes free when the adapter is made. */
  freeBytes: number;
  /** When set: this long after the first ENOSPC the disk frees again (1 GiB more). */
  fullForMs?: number | null;
  now?: () => number;
  base?: SpoolFs;
}

export interface LimitedSpaceFs extends SpoolFs {
  readonly freeBytes: number;
  /** Frees (or, negative, takes) space, as another program on the same disk would. */
  addFreeBytes(bytes: number): void;
  /** How many writes were refused with ENOSPC. */
  readonly refusedWrites: number;
}

const BLOCK_BYTES = 4096;
const FREED_BYTES = 1024 ** 3;

function enospc(syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall} '${path}'`), { code: 'ENOSPC', errno: -28, syscall, path });
}

async function sizeOf(path: string): Promise<number> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : 0;
  } catch {
    return 0; // not there: nothing to give back
  }
}

export function limitedSpaceFs(opts: LimitedSpaceOptions): LimitedSpaceFs {
  const base = opts.base ?? nodeSpoolFs;
  const now = opts.now ?? Date.now;
  let free = opts.freeBytes;
  let firstRefusalMs: number | null = null;
  let refused = 0;
  const take = (bytes: number, syscall: string, path: string) => {
    if (firstRefusalMs !== null && opts.fullForMs != null && now() - firstRefusalMs >= opts.fullForMs) {
      free += FREED_BYTES;
      firstRefusalMs = null;
      opts = { ...opts, fullForMs: null };
    }
    if (bytes > free) {
      refused++;
      firstRefusalMs ??= now();
      throw enospc(syscall, path);
    }
    free -= bytes;
  };
  const wrap = (fh: FileHandle, path: string): FileHandle =>
    new Proxy(fh, {
      get(target, prop, receiver) {
        if (prop === 'writeFile' || prop === 'write' || prop === 'appendFile') {
          const original = Reflect.get(target, prop, receiver) as (...args: unknown[]) => Promise<unknown>;
          return async (data: unknown, ...rest: unknown[]) => {
            const bytes = typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).byteLength;
            take(bytes, 'write', path);
            return original.call(target, data, ...rest);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  return {
    get freeBytes() {
      return free;
    },
    get refusedWrites() {
      return refused;
    },
    addFreeBytes(bytes: number) {
      free += bytes;
    },
    async open(path, flags, mode) {
      return wrap(await base.open(path, flags, mode), path);
    },
    async mkdir(path, options) {
      take(BLOCK_BYTES, 'mkdir', path);
      return base.mkdir(path, options);
    },
    async rename(from, to) {
      const replaced = await sizeOf(to);
      await base.rename(from, to);
      free += replaced;
    },
    async rm(path, options) {
      const size = await sizeOf(path);
      await base.rm(path, options);
      free += size;
    },
  };
}
