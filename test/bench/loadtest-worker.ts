// One loadtest worker thread: opens its share of the listener connections on the common schedule,
// counts what arrives (one reused read buffer, no per-read allocation), closes them at the end and
// posts a WorkerReport. Started by loadtest.ts; counters live in shared memory for its per-second lines.
import net from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { C, PROBE_EVERY } from './loadtest-shared.ts';
import type { WorkerReport, WorkerStart } from './loadtest-shared.ts';

const MAX_HEAD_BYTES = 16 * 1024;
const READ_BUFFER_BYTES = 256 * 1024;
/** paced listeners are resumed in slices, one slice per tick */
const PACE_TICK_MS = 10;

const S_CONNECTING = 0; // connect() called, no response head yet
const S_BODY = 1; // admitted
const S_FAILED = 2;
const S_DROPPED = 3;
const S_CLOSED_BY_US = 4;
const S_ABANDONED = 5; // still connecting / waiting for the head when the test ended: unserved

const start = workerData as WorkerStart;
const cnt = new Float64Array(start.counters);
const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
const requestBytes = Buffer.from(start.request, 'latin1');
const statusCodes: Record<string, number> = {};
const errorCodes: Record<string, number> = {};
const icyMetaint: Record<string, number> = {};
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

class Conn {
  state = S_CONNECTING;
  /** reads as soon as data arrives (a probe, or pacing is off) */
  probe: boolean;
  paused = false;
  startMs: number;
  connectedMs = -1;
  admitMs = -1;
  firstByteMs = -1;
  endMs = -1;
  bytes = 0;
  /** bytes at the start of the steady window, -1 if not admitted by then */
  windowStartBytes = -1;
  head: Buffer | null = null;
  errorCode: string | null = null;
  socket: net.Socket;

  constructor(index: number) {
    this.probe = start.readEveryMs === 0 || index % PROBE_EVERY === 0;
    this.startMs = performance.now();
    cnt[C.STARTED]!++;
    this.socket = net.connect({
      host: start.host,
      port: start.port,
      onread: { buffer: readBuffer, callback: (n: number) => this.onRead(n) },
    });
    this.socket.once('connect', () => {
      this.connectedMs = performance.now();
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.errorCode = err.code ?? err.name;
    });
    this.socket.on('close', () => this.onClose());
    this.socket.write(requestBytes);
  }

  onRead(n: number): boolean {
    if (this.state === S_BODY) {
      // Hot path: count, nothing else (and stop reading until this listener's next slice).
      this.bytes += n;
      cnt[C.BYTES]! += n;
      cnt[C.READS]!++;
      if (this.firstByteMs < 0) this.firstByteMs = performance.now();
      if (this.probe) {
        cnt[C.PROBE_BYTES]! += n;
        cnt[C.PROBE_READS]!++;
      } else {
        this.paused = true;
        this.socket.pause();
      }
      return true;
    }
    if (this.state === S_CONNECTING) this.onHeadBytes(n);
    return true;
  }

  onHeadBytes(n: number): void {
    // The read buffer is shared by every socket: copy what must outlive this call.
    const chunk = readBuffer.subarray(0, n);
    const head = this.head === null ? chunk : Buffer.concat([this.head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_HEAD_BYTES) return this.fail(C.F_OTHER, 'head-too-long');
      this.head = Buffer.from(head);
      return;
    }
    this.head = null;
    // "HTTP/1.0 200 OK" or "ICY 200 OK"
    const lineEnd = head.indexOf('\r\n');
    const statusLine = head.toString('latin1', 0, lineEnd);
    const status = /^(?:HTTP\/\d\.\d|ICY) (\d{3})/.exec(statusLine)?.[1] ?? 'unparsable';
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    if (status !== '200') return this.fail(C.F_STATUS, null);
    this.state = S_BODY;
    this.admitMs = performance.now();
    cnt[C.ADMITTED]!++;
    if (this.probe) cnt[C.PROBE_LIVE]!++;
    const metaint = /\r\nicy-metaint:\s*(\d+)/i.exec(head.toString('latin1', 0, end))?.[1];
    if (metaint !== undefined) icyMetaint[metaint] = (icyMetaint[metaint] ?? 0) + 1;
    const body = head.length - (end + 4);
    if (body > 0) {
      this.bytes += body;
      cnt[C.BYTES]! += body;
      cnt[C.READS]!++;
      this.firstByteMs = this.admitMs;
    }
  }

  fail(slot: number, code: string | null): void {
    this.state = S_FAILED;
    this.endMs = performance.now();
    cnt[C.FAILED]!++;
    cnt[slot]!++;
    if (code !== null) errorCodes[code] = (errorCodes[code] ?? 0) + 1;
    this.socket.destroy();
  }

  onClose(): void {
    if (this.state === S_BODY) {
      this.state = S_DROPPED;
      if (this.probe) cnt[C.PROBE_LIVE]!--;
      this.endMs = performance.now();
      cnt[C.DROPPED]!++;
      const code = this.errorCode ?? 'closed-by-server';
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
    } else if (this.state === S_CONNECTING) {
      const code = this.errorCode;
      const slot = code === 'ECONNREFUSED' ? C.F_REFUSED : code === 'ECONNRESET' || code === 'EPIPE' ? C.F_RESET : code === null ? C.F_EARLY_CLOSE : C.F_OTHER;
      this.fail(slot, code ?? 'closed-before-head');
    }
  }

  closeByUs(nowMs: number): void {
    if (this.state === S_BODY) {
      this.state = S_CLOSED_BY_US;
      if (this.probe) cnt[C.PROBE_LIVE]!--;
      this.endMs = nowMs;
      cnt[C.CLOSED_BY_US]!++;
    }
    if (this.state === S_CONNECTING) this.state = S_ABANDONED;
    this.socket.destroy();
  }
}

const conns: Conn[] = [];
// Pacing: conns[i] belongs to slice i % sliceCount; each tick resumes one slice's paused sockets,
// so every paced listener reads (all that has accumulated) about once per readEveryMs.
const sliceCount = Math.max(1, Math.round(start.readEveryMs / PACE_TICK_MS));
let slice = 0;
function resumeSlice(): void {
  for (let i = slice; i < conns.length; i += sliceCount) {
    const c = conns[i]!;
    if (c.paused && c.state === S_BODY) {
      c.paused = false;
      c.socket.resume();
    }
  }
  slice = (slice + 1) % sliceCount;
}
const paceTimer = start.readEveryMs > 0 ? setInterval(resumeSlice, PACE_TICK_MS) : null;
const originMs = start.startEpochMs - performance.timeOrigin;
const stepMs = start.listeners > 0 ? start.rampMs / start.listeners : 0;
const endMs = originMs + start.rampMs + start.holdMs;
let next = start.workerIndex; // global listener index; this worker takes every workerCount-th

function openDue(): void {
  const now = performance.now();
  while (next < start.listeners && originMs + next * stepMs <= now) {
    conns.push(new Conn(next));
    next += start.workerCount;
  }
  if (next >= start.listeners) clearInterval(rampTimer);
}

// The steady window: from shortly after the ramp (late joiners' bursts and the ramp's own churn
// are over) to the end. Listeners admitted before it and still there at the end are measured.
const windowStartMs = originMs + start.rampMs + Math.min(2000, start.holdMs / 4);
let windowStartedMs = -1;
function startWindow(): void {
  windowStartedMs = performance.now();
  for (const c of conns) if (c.state === S_BODY) c.windowStartBytes = c.bytes;
}

/** Paced sockets hold up to readEveryMs of unread data; read it all before a measurement. */
const DRAIN_MS = 200;
function drainThen(then: () => void): void {
  if (start.readEveryMs === 0) return then();
  for (const c of conns) {
    if (c.paused && c.state === S_BODY) {
      c.paused = false;
      c.socket.resume();
    }
  }
  setTimeout(then, DRAIN_MS);
}

const rampTimer = setInterval(openDue, 5);
const windowTimer = setTimeout(() => drainThen(startWindow), Math.max(0, windowStartMs - DRAIN_MS - performance.now()));
setTimeout(() => drainThen(finish), Math.max(0, endMs - DRAIN_MS - performance.now()));

function finish(): void {
  clearInterval(rampTimer);
  clearTimeout(windowTimer);
  if (paceTimer !== null) clearInterval(paceTimer);
  const now = performance.now();
  const steady: number[] = [];
  const windowS = (now - windowStartedMs) / 1000;
  if (windowStartedMs >= 0 && windowS >= 1) {
    for (const c of conns) {
      if (c.state === S_BODY && c.windowStartBytes >= 0) steady.push((c.bytes - c.windowStartBytes) / 1024 / windowS);
    }
  }
  for (const c of conns) c.closeByUs(now);
  loopDelay.disable();

  const ttfb: number[] = [];
  const connectMs: number[] = [];
  let unservedConnecting = 0;
  const rates: number[] = [];
  let listenerSeconds = 0;
  let unserved = 0;
  for (const c of conns) {
    if (c.connectedMs >= 0) connectMs.push(c.connectedMs - c.startMs);
    if (c.state === S_ABANDONED) {
      unserved++;
      if (c.connectedMs < 0) unservedConnecting++;
    }
    if (c.admitMs < 0) continue;
    if (c.firstByteMs >= 0) ttfb.push(c.firstByteMs - c.startMs);
    const lifeS = (c.endMs - c.admitMs) / 1000;
    listenerSeconds += lifeS;
    if (lifeS >= 1) rates.push(c.bytes / 1024 / lifeS);
  }
  // Listeners never started (the test ended during the ramp) are unserved too.
  for (let i = next; i < start.listeners; i += start.workerCount) {
    unserved++;
    unservedConnecting++;
  }
  cnt[C.DONE] = 1;
  const report: WorkerReport = {
    ttfbMs: Float64Array.from(ttfb),
    connectMs: Float64Array.from(connectMs),
    steadyKiBps: Float64Array.from(steady),
    unservedConnecting,
    listenerKiBps: Float64Array.from(rates),
    listenerSeconds,
    unserved,
    statusCodes,
    icyMetaint,
    errorCodes,
    loopDelayMs: {
      p50: loopDelay.percentile(50) / 1e6,
      p99: loopDelay.percentile(99) / 1e6,
      max: loopDelay.max / 1e6,
    },
  };
  parentPort?.postMessage(report);
}
