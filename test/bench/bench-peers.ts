// Processes the stream benchmark starts and measures: Debian's icecast2, Aircheck's bridge, an ffmpeg
// source, plus /proc and ss readings (CPU, peak RSS, TCP counters). Private to test/bench/ so the bench
// stays self-contained.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Peer {
  name: string;
  /** the PID whose CPU and memory are the server's (not a wrapper's) */
  pid: number;
  /** http://127.0.0.1:PORT — where sources push and listeners connect */
  streamBase: string;
  sourcePassword: string;
  /** last lines of the process's output, for error messages */
  tail(): string;
  /** null while running, else how it ended ("code 1", "signal SIGSEGV") */
  exitStatus(): string | null;
  stop(): Promise<void>;
}

/** Every child this module (or the bench) started and that is still running. */
const started = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** Kills, by PID, every child started here that is still running (for SIGINT and fatal errors). */
export function killStartedNow(): void {
  for (const child of started) child.kill('SIGKILL');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** utime + stime of every thread of PID, seconds (/proc/PID/stat fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const { user, sys } = cpuSplit(pid);
  return user + sys;
}

/** utime and stime of every thread of PID, seconds. */
export function cpuSplit(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15
  const hz = clockTicksPerSecond();
  return { user: Number(fields[11]) / hz, sys: Number(fields[12]) / hz };
}

/** Machine-wide kernel TCP counters that show listen-queue trouble (/proc/net/netstat, TcpExt). */
export interface TcpCounters {
  ListenOverflows: number;
  ListenDrops: number;
  SyncookiesSent: number;
  TCPReqQFullDrop: number;
  TCPBacklogDrop: number;
  PruneCalled: number;
}

export function tcpCounters(): TcpCounters {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = (lines[0] ?? '').split(/\s+/).slice(1);
  const values = (lines[1] ?? '').split(/\s+/).slice(1).map(Number);
  const get = (k: string): number => {
    const i = names.indexOf(k);
    return i >= 0 ? (values[i] ?? NaN) : NaN;
  };
  return {
    ListenOverflows: get('ListenOverflows'),
    ListenDrops: get('ListenDrops'),
    SyncookiesSent: get('SyncookiesSent'),
    TCPReqQFullDrop: get('TCPReqQFullDrop'),
    TCPBacklogDrop: get('TCPBacklogDrop'),
    PruneCalled: get('PruneCalled'),
  };
}

export function diffCounters(a: TcpCounters, b: TcpCounters): TcpCounters {
  const out = { ...b };
  for (const k of Object.keys(out) as (keyof TcpCounters)[]) out[k] = b[k] - a[k];
  return out;
}

let clkTck = 0;
function clockTicksPerSecond(): number {
  if (clkTck === 0) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** The local port of PID's established TCP connection to remotePort (ss -p), or null. */
export function localPortOf(pid: number, remotePort: number): number | null {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${remotePort} )`], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue;
    const local = line.trim().split(/\s+/)[2] ?? '';
    const port = Number(local.slice(local.lastIndexOf(':') + 1));
    if (Number.isInteger(port) && port > 0) return port;
  }
  return null;
}

/** bytes_acked of the established TCP connection whose local port is localPort (ss -ti), or NaN. */
export function tcpBytesAcked(localPort: number): number {
  const out = execFileSync('ss', ['-tinH', 'state', 'established', `( sport = :${localPort} )`], { encoding: 'utf8' });
  const m = /bytes_acked:(\d+)/.exec(out);
  return m ? Number(m[1]) : NaN;
}

/** Resident set size now (VmRSS) of PID in MiB. */
export function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Peak resident set size (VmHWM) of PID in MiB. */
export function peakRssMiB(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Keeps the last lines a child wrote, for error messages; optionally watches for a line. */
class OutputTail {
  lines: string[] = [];
  private partial = '';
  private watchers: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];

  attach(child: ChildProcess): void {
    const onData = (chunk: Buffer): void => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) this.onLine(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  }

  private onLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 40) this.lines.shift();
    for (const w of [...this.watchers]) {
      const m = w.re.exec(line);
      if (m) {
        this.watchers.splice(this.watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }

  waitFor(re: RegExp): Promise<RegExpExecArray> {
    for (const line of this.lines) {
      const m = re.exec(line);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve) => this.watchers.push({ re, resolve }));
  }

  text(): string {
    return [...this.lines, this.partial].join('\n').trim();
  }
}

export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return track(spawn(command, args, options));
}

function exitStatus(child: ChildProcess): string | null {
  if (child.exitCode !== null) return `code ${child.exitCode}`;
  if (child.signalCode !== null) return `signal ${child.signalCode}`;
  return null;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when GET base+path answers with the status (any body); polls. */
export async function waitForHttp(base: string, path: string, timeoutMs: number, status = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(base + path, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === status) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${base}${path} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

export interface IcecastOptions {
  clients: number;
  queueSizeBytes?: number;
  burstSizeBytes?: number;
}

/**
 * Debian's icecast2 2.4.4 on 127.0.0.1. Started with setpriv rather than runuser: runuser goes
 * through PAM (pam_limits), which resets the soft fd limit to 1024 and would cap icecast at ~1000
 * listeners; setpriv also execs, so the child PID is icecast's own.
 */
export async function startIcecast(o: IcecastOptions): Promise<Peer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-icecast-'));
  chmodSync(dir, 0o755); // icecast runs as its own user and must read the config
  const logDir = join(dir, 'log');
  mkdirSync(logDir);
  const { uid, gid } = icecastIds();
  chownSync(logDir, uid, gid);
  const password = `src-${Math.random().toString(36).slice(2)}`;
  const conf = join(dir, 'icecast.xml');
  writeFileSync(
    conf,
    `<icecast>
  <location>bench</location><admin>bench@localhost</admin>
  <limits>
    <clients>${o.clients}</clients>
    <sources>4</sources>
    <queue-size>${o.queueSizeBytes ?? 524288}</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout>
    <burst-on-connect>1</burst-on-connect>
    <burst-size>${o.burstSizeBytes ?? 65535}</burst-size>
  </limits>
  <authentication>
    <source-password>${password}</source-password>
    <relay-password>${password}</relay-password>
    <admin-user>admin</admin-user>
    <admin-password>${password}</admin-password>
  </authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>${port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>${logDir}</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot>
  </paths>
  <logging>
    <accesslog>access.log</accesslog>
    <errorlog>error.log</errorlog>
    <loglevel>2</loglevel>
  </logging>
  <security><chroot>0</chroot></security>
</icecast>
`,
  );
  const child = spawnTracked('setpriv', ['--reuid', String(uid), '--regid', String(gid), '--init-groups', '--', 'icecast2', '-c', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new OutputTail();
  tail.attach(child);
  const base = `http://127.0.0.1:${port}`;
  const errorLog = (): string => {
    try {
      return readFileSync(join(logDir, 'error.log'), 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  };
  const peer: Peer = {
    name: 'icecast2',
    pid: child.pid ?? -1,
    streamBase: base,
    sourcePassword: password,
    tail: () => [tail.text(), errorLog()].filter(Boolean).join('\n'),
    exitStatus: () => exitStatus(child),
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.race([
      waitForHttp(base, '/status-json.xsl', 10_000),
      exited(child).then(() => {
        throw new Error(`icecast2 exited with ${child.exitCode ?? child.signalCode}`);
      }),
    ]);
  } catch (err) {
    const msg = `icecast2 did not start: ${err instanceof Error ? err.message : String(err)}\n${peer.tail()}`;
    await peer.stop();
    throw new Error(msg, { cause: err });
  }
  return peer;
}

function icecastIds(): { uid: number; gid: number } {
  const line = execFileSync('id', ['-u', 'icecast2'], { encoding: 'utf8' }).trim();
  const gid = execFileSync('id', ['-g', 'icecast2'], { encoding: 'utf8' }).trim();
  return { uid: Number(line), gid: Number(gid) };
}

/**
 * Aircheck's bridge, run with this same Node binary (what `npm exec -- node` resolves to) so the
 * child PID is the server itself, not an npm wrapper.
 */
export async function startAircheck(repoRoot: string, startTimeoutMs = 30_000): Promise<Peer> {
  const streamPort = await freePort();
  const webPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-aircheck-'));
  const password = `src-${Math.random().toString(36).slice(2)}`;
  const child = spawnTracked(process.execPath, ['bridge/src/main.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AIRCHECK_HOST: '127.0.0.1',
      AIRCHECK_STREAM_PORT: String(streamPort),
      AIRCHECK_WEB_PORT: String(webPort),
      AIRCHECK_DATA_DIR: dataDir,
      AIRCHECK_LIVE_SOURCE_PASSWORD: password,
      AIRCHECK_TEST_SOURCE_PASSWORD: `test-${password}`,
      AIRCHECK_ADMIN_PASSWORD: `admin-${password}`,
    },
  });
  const tail = new OutputTail();
  tail.attach(child);
  const peer: Peer = {
    name: 'Aircheck',
    pid: child.pid ?? -1,
    streamBase: `http://127.0.0.1:${streamPort}`,
    sourcePassword: password,
    tail: () => tail.text(),
    exitStatus: () => exitStatus(child),
    stop: async () => {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    const [streaming] = await withTimeout(
      Promise.race([
        Promise.all([tail.waitFor(/streaming on (http:\/\/[^\s/]+)\//), tail.waitFor(/\bready\b/)]),
        exited(child).then(() => {
          throw new Error(`bridge exited with ${child.exitCode ?? child.signalCode}`);
        }),
      ]),
      startTimeoutMs,
      () => `no "streaming on …" and "ready" lines within ${startTimeoutMs} ms`,
    );
    if (streaming[1] !== undefined) peer.streamBase = streaming[1];
  } catch (err) {
    const msg = `Aircheck did not start: ${err instanceof Error ? err.message : String(err)}\n${peer.tail()}`;
    await peer.stop();
    throw new Error(msg, { cause: err });
  }
  return peer;
}

export interface Source {
  pid: number;
  tail(): string;
  stop(): Promise<void>;
}

/** ffmpeg -re pushing a 128 kbps CBR MP3 sine to base/mount (PUT, as a live encoder does). */
export function startFfmpegSource(base: string, mount: string, password: string): Source {
  const u = new URL(base);
  const target = `icecast://source:${encodeURIComponent(password)}@${u.hostname}:${u.port}${mount}`;
  const child = spawnTracked(
    'ffmpeg',
    [
      '-hide_banner', '-nostdin', '-loglevel', 'warning',
      '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '128k',
      '-content_type', 'audio/mpeg', '-f', 'mp3', target,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tail = new OutputTail();
  tail.attach(child);
  return { pid: child.pid ?? -1, tail: () => tail.text(), stop: () => stopChild(child, 3000) };
}

/** Resolves when a GET of the mount answers 200 and delivers at least minBytes of body. */
export async function waitForMountAudio(base: string, mount: string, timeoutMs: number, minBytes = 4096): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(base + mount, { signal: AbortSignal.timeout(3000) });
      if (res.status === 200 && res.body) {
        let got = 0;
        const reader = res.body.getReader();
        while (got < minBytes) {
          const { value, done } = await reader.read();
          if (done) break;
          got += value.byteLength;
        }
        await reader.cancel();
        if (got >= minBytes) return;
        last = `only ${got} bytes`;
      } else {
        await res.body?.cancel();
        last = `HTTP ${res.status}`;
      }
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`mount ${base}${mount} delivered no audio within ${timeoutMs} ms (last: ${last})`);
}
