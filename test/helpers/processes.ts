// Spawns the external peers the integration tests drive (icecast2, ffmpeg, Liquidsoap, shout, …)
// and guarantees they die: each runs in its own process group, stop() escalates to SIGKILL, and a
// registry kills whatever is left when the test process exits. Fed by peers.ts; feeds the tests.
import { spawn } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';

export type OutputStream = 'stdout' | 'stderr';

export interface SpawnTrackedOptions {
  /** Label used in failure messages; defaults to the command name. */
  name?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdin: 'ignore' (default), 'pipe', or a file descriptor to read from. */
  stdin?: 'ignore' | 'pipe' | number;
  /** How much of each stream is kept (the newest bytes win). Default 256 KiB. */
  maxOutputBytes?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (e.g. ENOENT). */
  error?: Error;
}

export interface TrackedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  /** The newest stdout/stderr text (bounded). */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves (never rejects) once the process is gone. */
  readonly exited: Promise<ExitInfo>;
  readonly hasExited: boolean;
  /**
   * Resolves with the first line (already seen or still to come) matching `pattern`. Lines are
   * split on \n and \r (ffmpeg's progress lines end in \r). Rejects on timeout or exit, with the
   * output tail in the message.
   */
  waitForLine(pattern: RegExp, timeoutMs: number, stream?: OutputStream | 'both'): Promise<RegExpMatchArray>;
  /** The last `maxChars` of interleaved output, each line prefixed with its stream. */
  tail(maxChars?: number): string;
  /** Signals the whole process group, waits up to graceMs, then SIGKILLs it. Idempotent. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitInfo>;
}

const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024;
const LINES_KEPT = 2000;

// ── the registry: everything still alive is SIGKILLed when this process goes away ──────────────
const live = new Set<TrackedProcess>();
let registryInstalled = false;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

function installRegistry(): void {
  if (registryInstalled) return;
  registryInstalled = true;
  process.on('exit', () => {
    for (const p of live) killGroup(p.pid, 'SIGKILL');
  });
  // A test runner that times a file out sends SIGTERM/SIGINT; 'exit' does not run then unless we
  // handle the signal. Kill the children, then re-raise so the default behaviour still happens.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const p of live) killGroup(p.pid, 'SIGKILL');
      process.removeListener(sig, onSignal);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Stops every tracked process still running (use in a top-level after() hook). */
export async function stopAllTracked(graceMs = 2000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop('SIGTERM', graceMs)));
}

/** Bounded text buffer keeping the newest `maxBytes` characters. */
class Tail {
  private parts: string[] = [];
  private size = 0;
  private readonly maxBytes: number;
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > this.maxBytes * 2) this.compact();
  }
  private compact(): void {
    const joined = this.parts.join('');
    const kept = joined.slice(-this.maxBytes);
    this.parts = [kept];
    this.size = kept.length;
  }
  toString(): string {
    this.compact();
    return this.parts[0] ?? '';
  }
}

interface LineWaiter {
  pattern: RegExp;
  stream: OutputStream | 'both';
  resolve: (m: RegExpMatchArray) => void;
}

export function spawnTracked(cmd: string, args: readonly string[], opts: SpawnTrackedOptions = {}): TrackedProcess {
  installRegistry();
  const name = opts.name ?? cmd;
  const maxBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const stdio: StdioOptions = [opts.stdin ?? 'ignore', 'pipe', 'pipe'];
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio,
    detached: true, // own process group: kill(-pid) reaches grandchildren (runuser → icecast2)
  });

  const out = { stdout: new Tail(maxBytes), stderr: new Tail(maxBytes) };
  const combined = new Tail(maxBytes);
  const partial = { stdout: '', stderr: '' };
  const lines: { stream: OutputStream; line: string }[] = [];
  const waiters = new Set<LineWaiter>();
  let exitInfo: ExitInfo | undefined;
  const exitListeners = new Set<(info: ExitInfo) => void>();

  const onLine = (stream: OutputStream, line: string): void => {
    lines.push({ stream, line });
    if (lines.length > LINES_KEPT) lines.splice(0, lines.length - LINES_KEPT);
    combined.push(`[${stream}] ${line}\n`);
    for (const w of waiters) {
      if (w.stream !== 'both' && w.stream !== stream) continue;
      const m = line.match(w.pattern);
      if (m) {
        waiters.delete(w);
        w.resolve(m);
      }
    }
  };
  const onData = (stream: OutputStream, chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    out[stream].push(text);
    const pieces = (partial[stream] + text).split(/\r\n|\n|\r/);
    partial[stream] = pieces.pop() ?? '';
    if (partial[stream].length > maxBytes) partial[stream] = partial[stream].slice(-maxBytes);
    for (const line of pieces) if (line.length > 0) onLine(stream, line);
  };
  child.stdout?.on('data', (c: Buffer) => onData('stdout', c));
  child.stderr?.on('data', (c: Buffer) => onData('stderr', c));

  const finish = (info: ExitInfo): void => {
    if (exitInfo) return;
    for (const s of ['stdout', 'stderr'] as const) {
      if (partial[s].length > 0) onLine(s, partial[s]);
      partial[s] = '';
    }
    exitInfo = info;
    live.delete(handle);
    // The leader is gone; take any stragglers in its group with it.
    killGroup(child.pid, 'SIGKILL');
    for (const l of exitListeners) l(info);
    exitListeners.clear();
  };
  const exited = new Promise<ExitInfo>((resolve) => {
    exitListeners.add(resolve);
  });
  // 'close' (not 'exit') so all output has been read before anyone is told it ended.
  child.on('close', (code, signal) => finish({ code, signal }));
  child.on('error', (error) => {
    if (child.pid === undefined) finish({ code: null, signal: null, error });
  });

  const tail = (maxChars = 4000): string => {
    const all = combined.toString();
    const partials = (['stdout', 'stderr'] as const)
      .filter((s) => partial[s].length > 0)
      .map((s) => `[${s}] ${partial[s]}\n`)
      .join('');
    return (all + partials).slice(-maxChars);
  };
  const describe = (): string =>
    exitInfo
      ? `exited (code ${exitInfo.code}, signal ${exitInfo.signal}${exitInfo.error ? `, ${exitInfo.error.message}` : ''})`
      : 'still running';

  const waitForLine = (
    pattern: RegExp,
    timeoutMs: number,
    stream: OutputStream | 'both' = 'both',
  ): Promise<RegExpMatchArray> => {
    for (const l of lines) {
      if (stream !== 'both' && stream !== l.stream) continue;
      const m = l.line.match(pattern);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        cleanup();
        reject(new Error(`${name}: ${why} waiting for a line matching ${pattern} (${describe()}); output tail:\n${tail()}`));
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      const onExit = (): void => fail('process exited');
      const waiter: LineWaiter = {
        pattern,
        stream,
        resolve: (m) => {
          cleanup();
          resolve(m);
        },
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
        exitListeners.delete(onExit);
      };
      if (exitInfo) {
        fail('process had already exited');
        return;
      }
      waiters.add(waiter);
      exitListeners.add(onExit);
    });
  };

  let stopping: Promise<ExitInfo> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<ExitInfo> => {
    if (exitInfo) return Promise.resolve(exitInfo);
    stopping ??= (async () => {
      killGroup(child.pid, signal);
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace'>((r) => {
        timer = setTimeout(() => r('grace'), graceMs);
      });
      const first = await Promise.race([exited, graceOver]);
      clearTimeout(timer);
      if (first === 'grace') killGroup(child.pid, 'SIGKILL');
      return exited;
    })();
    return stopping;
  };

  const handle: TrackedProcess = {
    name,
    child,
    get pid() {
      return child.pid;
    },
    get stdout() {
      return out.stdout.toString();
    },
    get stderr() {
      return out.stderr.toString();
    },
    get hasExited() {
      return exitInfo !== undefined;
    },
    exited,
    waitForLine,
    tail,
    stop,
  };
  if (child.pid !== undefined) live.add(handle);
  return handle;
}
