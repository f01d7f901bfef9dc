// A small JSON state file under the data dir that survives a restart (even `kill -9`): written
// atomically (temporary file, fsync, rename, fsync of the directory: writeFileDurably) with 0600
// permissions, one write at a time, the latest state winning when saves pile up. Used by the studio's
// sign-in tokens (studio-logins.ts) and resumable sessions (dj-session.ts).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { writeFileDurably } from '../../../recordings/src/spool/spool-fs.ts';

export class StateFile<T> {
  readonly path: string;
  readonly #log: Logger | null;
  #writing: Promise<void> = Promise.resolve();
  /** The newest state not yet handed to a write, or undefined when none waits. */
  #next: T | undefined;
  #scheduled: Promise<void> | null = null;

  constructor(path: string, log: Logger | null = null) {
    this.path = path;
    this.#log = log;
  }

  /** What the file holds, or null when there is none; a file that cannot be parsed is logged and ignored. */
  load(): T | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      this.#log?.error({ file: this.path, err: (err as Error).message }, 'state file unreadable; starting without it');
      return null;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      this.#log?.error({ file: this.path, err: (err as Error).message }, 'state file is not JSON; starting without it');
      return null;
    }
  }

  /**
   * Writes value (coalesced: while a write runs, only the newest value waits). Resolves when a write
   * that includes this value is on disk; never rejects (a failed write is logged, the next save retries).
   */
  save(value: T): Promise<void> {
    this.#next = value;
    this.#scheduled ??= this.#writing.then(async () => {
      this.#scheduled = null;
      const v = this.#next as T;
      this.#next = undefined;
      try {
        mkdirSync(dirname(this.path), { recursive: true });
        await writeFileDurably(this.path, async (fh) => {
          await fh.chmod(0o600); // before any content: only the bridge's user may read it
          await fh.writeFile(`${JSON.stringify(v)}\n`);
        });
      } catch (err) {
        this.#log?.error({ file: this.path, err: (err as Error).message }, 'could not write the state file: sessions may not survive a restart');
      }
    });
    this.#writing = this.#scheduled;
    return this.#scheduled;
  }

  /** Resolves when every save so far is written. */
  idle(): Promise<void> {
    return this.#writing;
  }
}
