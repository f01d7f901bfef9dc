// Listener load generator: `npm run loadtest -- URL -n N -r RAMP -d SECONDS [--icy] [--token T] [--json FILE]`.
// Worker threads (loadtest-worker.ts) hold the sockets; this thread prints one line per second from
// their shared counters, then a summary (and JSON for stream-vs-icecast.ts). Stops by itself.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseLoadtestArgs, USAGE } from './loadtest-args.ts';
import type { LoadtestOptions } from './loadtest-args.ts';
import { C, COUNTER_SLOTS } from './loadtest-shared.ts';
import type { WorkerReport, WorkerStart } from './loadtest-shared.ts';
import { percentile } from './stats.ts';

export interface LoadtestSummary {
  url: string;
  /** epoch ms of the schedule origin: listener i starts at startEpochMs + i × rampS × 1000 / listeners */
  startEpochMs: number;
  listeners: number;
  rampS: number;
  holdS: number;
  icy: boolean;
  workers: number;
  admitted: number;
  failed: number;
  failedBy: { refused: number; reset: number; status: number; closedEarly: number; other: number };
  statusCodes: Record<string, number>;
  /** icy-metaint announced in the responses (value → listeners); empty unless the server sent it */
  icyMetaint: Record<string, number>;
  errorCodes: Record<string, number>;
  dropped: number;
  /** never admitted nor failed by the end: still in the server's backlog / SYN retries */
  unserved: number;
  /** of the unserved: TCP connect never completed (SYN dropped by a full accept queue, retrying);
   *  the rest were TCP-connected but got no response head */
  unservedConnecting: number;
  /** connect start → TCP connected, every connection that got that far */
  connectMs: { count: number; p50: number; p95: number; p99: number; max: number };
  ttfbMs: { count: number; p50: number; p95: number; p99: number; max: number };
  /** mean over admitted listeners of bytes / admitted lifetime (includes the burst on connect) */
  meanListenerKiBps: number;
  /** 5th percentile of the same: a starved minority shows here */
  p5ListenerKiBps: number;
  /** steady window (ramp end + up to 2 s → end), listeners present throughout: KiB/s each.
   *  128 kbps is 15.625 KiB/s; a server that falls behind shows lower values, a starved few in p1 */
  steadyKiBps: { count: number; mean: number; p1: number; p5: number; p50: number };
  /** during the same window: read callbacks per second, all listeners together */
  steadyReadsPerSecond: number;
  /** during the same window, at the probe listeners (every 100th, reading at once): bytes per read
   *  ≈ the server's write size, and reads per second per probe listener */
  probeBytesPerRead: number;
  probeReadsPerSecond: number;
  readEveryMs: number;
  totalMiB: number;
  listenerSeconds: number;
  loadtest: {
    wallSeconds: number;
    cpuSeconds: number;
    cpuPercentOfOneCore: number;
    maxRssMiB: number;
    loopDelayMs: { p50: number; p99: number; max: number };
  };
}

const WORKER_BOOT_MS = 300;
const FINISH_GRACE_MS = 15_000;

function readLimits(): { fdLimit: number; ephemeralPorts: number } {
  let fdLimit = 1024;
  let ephemeralPorts = 28232;
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) fdLimit = Number(m[1]);
  } catch {
    // not Linux: keep the conservative default
  }
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined) ephemeralPorts = hi - lo + 1;
  } catch {
    // keep default
  }
  return { fdLimit, ephemeralPorts };
}

function requestHead(o: LoadtestOptions): string {
  const hostHeader = o.url.port === '' ? o.url.hostname : `${o.url.hostname}:${o.url.port}`;
  return (
    `GET ${o.target} HTTP/1.0\r\n` +
    `Host: ${hostHeader}\r\n` +
    'User-Agent: aircheck-loadtest/1\r\n' +
    'Accept: */*\r\n' +
    (o.icy ? 'Icy-MetaData: 1\r\n' : '') +
    '\r\n'
  );
}

export async function runLoadtest(o: LoadtestOptions, print: (line: string) => void): Promise<LoadtestSummary> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const startEpochMs = Date.now() + WORKER_BOOT_MS;
  const blocks: Float64Array[] = [];
  const reports: Promise<WorkerReport>[] = [];
  const workers: Worker[] = [];
  for (let w = 0; w < o.workers; w++) {
    const counters = new SharedArrayBuffer(COUNTER_SLOTS * Float64Array.BYTES_PER_ELEMENT);
    blocks.push(new Float64Array(counters));
    const data: WorkerStart = {
      workerIndex: w,
      workerCount: o.workers,
      host: o.host,
      port: o.port,
      request: requestHead(o),
      listeners: o.listeners,
      rampMs: o.rampS * 1000,
      holdMs: o.holdS * 1000,
      readEveryMs: o.readEveryMs,
      startEpochMs,
      counters,
    };
    const worker = new Worker(new URL('./loadtest-worker.ts', import.meta.url), { workerData: data });
    workers.push(worker);
    reports.push(
      new Promise<WorkerReport>((resolve, reject) => {
        worker.once('message', (r: WorkerReport) => resolve(r));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`loadtest worker ${w} exited with code ${code} before reporting`)));
      }),
    );
  }

  const sum = (slot: number): number => blocks.reduce((acc, b) => acc + b[slot]!, 0);
  const rampEndS = o.rampS;
  const endS = o.rampS + o.holdS;
  const steadyFromS = rampEndS + Math.min(2, o.holdS / 4);
  let lastBytes = 0;
  let lastReads = 0;
  let lastProbeLive = 0;
  let steadyReads = 0;
  let lastProbeBytes = 0;
  let lastProbeReads = 0;
  let steadyProbeBytes = 0;
  let steadyProbeReads = 0;
  let steadyProbeListenerSeconds = 0;
  let steadySeconds = 0;
  let tick = 0;
  if (!o.quiet) {
    print(
      `loadtest ${o.url.href}: ${o.listeners} listeners over ${o.rampS} s, hold ${o.holdS} s, ${o.workers} worker thread(s), ` +
        `read every ${o.readEveryMs} ms${o.icy ? ', Icy-MetaData: 1' : ''}`,
    );
  }
  const onTick = (): void => {
    tick++;
    const bytes = sum(C.BYTES);
    const reads = sum(C.READS);
    const admitted = sum(C.ADMITTED);
    const connected = admitted - sum(C.DROPPED) - sum(C.CLOSED_BY_US);
    const dBytes = bytes - lastBytes;
    const dReads = reads - lastReads;
    lastBytes = bytes;
    lastReads = reads;
    const probeBytes = sum(C.PROBE_BYTES);
    const probeReads = sum(C.PROBE_READS);
    const dProbeBytes = probeBytes - lastProbeBytes;
    const dProbeReads = probeReads - lastProbeReads;
    const probeLive = sum(C.PROBE_LIVE);
    lastProbeBytes = probeBytes;
    lastProbeReads = probeReads;
    // Tick k covers schedule seconds (k-1, k]; the last second of the hold is left out because the
    // workers close their sockets at exactly endS, racing this tick.
    if (tick - 1 >= steadyFromS && tick <= endS - 1 && connected > 0) {
      steadyReads += dReads;
      steadySeconds++;
      steadyProbeBytes += dProbeBytes;
      steadyProbeReads += dProbeReads;
      steadyProbeListenerSeconds += (probeLive + lastProbeLive) / 2;
    }
    lastProbeLive = probeLive;
    if (!o.quiet && tick <= Math.ceil(endS)) {
      const pending = sum(C.STARTED) - admitted - sum(C.FAILED);
      print(
        `t=${String(tick).padStart(4)}s connected ${String(connected).padStart(6)}  admitted ${String(admitted).padStart(6)}  ` +
          `failed ${String(sum(C.FAILED)).padStart(5)}  dropped ${String(sum(C.DROPPED)).padStart(5)}  ` +
          `pending ${String(pending).padStart(5)}  ${(dBytes / 1024).toFixed(0).padStart(7)} KiB/s`,
      );
    }
    ticker = setTimeout(onTick, startEpochMs + (tick + 1) * 1000 - Date.now());
  };
  // Tick k fires k seconds after the schedule origin.
  let ticker = setTimeout(onTick, startEpochMs + 1000 - Date.now());

  let results: WorkerReport[];
  const deadline = (o.rampS + o.holdS) * 1000 + WORKER_BOOT_MS + FINISH_GRACE_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    results = await Promise.race([
      Promise.all(reports),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`loadtest workers did not finish within ${deadline} ms`)), deadline);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    clearTimeout(ticker);
    for (const w of workers) {
      w.removeAllListeners('exit');
      void w.terminate();
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const wallSeconds = (performance.now() - wall0) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  const ttfb = concat(results.map((r) => r.ttfbMs)).sort();
  const connectMs = concat(results.map((r) => r.connectMs)).sort();
  const steady = concat(results.map((r) => r.steadyKiBps)).sort();
  const rates = concat(results.map((r) => r.listenerKiBps)).sort();
  const merge = (pick: (r: WorkerReport) => Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
  return {
    url: o.url.href,
    startEpochMs,
    listeners: o.listeners,
    rampS: o.rampS,
    holdS: o.holdS,
    icy: o.icy,
    workers: o.workers,
    admitted: sum(C.ADMITTED),
    failed: sum(C.FAILED),
    failedBy: {
      refused: sum(C.F_REFUSED),
      reset: sum(C.F_RESET),
      status: sum(C.F_STATUS),
      closedEarly: sum(C.F_EARLY_CLOSE),
      other: sum(C.F_OTHER),
    },
    statusCodes: merge((r) => r.statusCodes),
    icyMetaint: merge((r) => r.icyMetaint),
    errorCodes: merge((r) => r.errorCodes),
    dropped: sum(C.DROPPED),
    unserved: results.reduce((a, r) => a + r.unserved, 0),
    unservedConnecting: results.reduce((a, r) => a + r.unservedConnecting, 0),
    connectMs: {
      count: connectMs.length,
      p50: round(percentile(connectMs, 50)),
      p95: round(percentile(connectMs, 95)),
      p99: round(percentile(connectMs, 99)),
      max: round(connectMs.length > 0 ? connectMs[connectMs.length - 1]! : NaN),
    },
    ttfbMs: {
      count: ttfb.length,
      p50: round(percentile(ttfb, 50)),
      p95: round(percentile(ttfb, 95)),
      p99: round(percentile(ttfb, 99)),
      max: round(ttfb.length > 0 ? ttfb[ttfb.length - 1]! : NaN),
    },
    meanListenerKiBps: round(rates.length > 0 ? rates.reduce((a, b) => a + b, 0) / rates.length : NaN, 2),
    p5ListenerKiBps: round(percentile(rates, 5), 2),
    steadyKiBps: {
      count: steady.length,
      mean: round(steady.length > 0 ? steady.reduce((a, b) => a + b, 0) / steady.length : NaN, 2),
      p1: round(percentile(steady, 1), 2),
      p5: round(percentile(steady, 5), 2),
      p50: round(percentile(steady, 50), 2),
    },
    steadyReadsPerSecond: round(steadySeconds > 0 ? steadyReads / steadySeconds : NaN, 0),
    probeBytesPerRead: round(steadyProbeReads > 0 ? steadyProbeBytes / steadyProbeReads : NaN, 0),
    probeReadsPerSecond: round(steadyProbeListenerSeconds > 0 ? steadyProbeReads / steadyProbeListenerSeconds : NaN, 1),
    readEveryMs: o.readEveryMs,
    totalMiB: round(sum(C.BYTES) / 1024 / 1024, 1),
    listenerSeconds: round(results.reduce((a, r) => a + r.listenerSeconds, 0), 1),
    loadtest: {
      wallSeconds: round(wallSeconds, 1),
      cpuSeconds: round(cpuSeconds, 2),
      cpuPercentOfOneCore: round((100 * cpuSeconds) / wallSeconds, 1),
      maxRssMiB: round(process.resourceUsage().maxRSS / 1024, 0),
      loopDelayMs: {
        p50: round(Math.max(...results.map((r) => r.loopDelayMs.p50)), 1),
        p99: round(Math.max(...results.map((r) => r.loopDelayMs.p99)), 1),
        max: round(Math.max(...results.map((r) => r.loopDelayMs.max)), 1),
      },
    },
  };
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function formatSummary(summary: LoadtestSummary): string {
  // Show missing figures (no listener got that far) as "–" rather than NaN.
  const s = JSON.parse(JSON.stringify(summary, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? '–' : v))) as LoadtestSummary;
  const fb = s.failedBy;
  const codes = Object.entries(s.statusCodes)
    .filter(([k]) => k !== '200')
    .map(([k, v]) => `${k}×${v}`)
    .join(' ');
  const errors = Object.entries(s.errorCodes)
    .map(([k, v]) => `${k}×${v}`)
    .join(' ');
  return [
    `admitted   ${s.admitted}/${s.listeners}   failed ${s.failed} (refused ${fb.refused}, reset ${fb.reset}, non-200 ${fb.status}${codes ? ` [${codes}]` : ''}, closed early ${fb.closedEarly}, other ${fb.other})   dropped ${s.dropped}   unserved ${s.unserved} (${s.unservedConnecting} still in TCP connect)`,
    errors ? `errors     ${errors}` : null,
    Object.keys(s.icyMetaint).length > 0 ? `icy-metaint ${Object.entries(s.icyMetaint).map(([k, v]) => `${k} (${v} listeners)`).join(', ')}` : null,
    `connect ms p50 ${s.connectMs.p50}  p95 ${s.connectMs.p95}  p99 ${s.connectMs.p99}  max ${s.connectMs.max}   (connect start → TCP connected, ${s.connectMs.count} sockets)`,
    `TTFB ms    p50 ${s.ttfbMs.p50}  p95 ${s.ttfbMs.p95}  p99 ${s.ttfbMs.p99}  max ${s.ttfbMs.max}   (connect start → first body byte, ${s.ttfbMs.count} listeners)`,
    `steady KiB/s mean ${s.steadyKiBps.mean}  p50 ${s.steadyKiBps.p50}  p5 ${s.steadyKiBps.p5}  p1 ${s.steadyKiBps.p1}   (${s.steadyKiBps.count} listeners present through the hold; 128 kbps = 15.625)`,
    `whole life   mean ${s.meanListenerKiBps} KiB/s (p5 ${s.p5ListenerKiBps}) incl. the burst on connect; ${s.steadyReadsPerSecond} reads/s in all (read every ${s.readEveryMs} ms)`,
    `server writes  ≈ ${s.probeBytesPerRead} B each, ${s.probeReadsPerSecond}/s per listener (at the probe listeners, which read every chunk)`,
    `received   ${s.totalMiB} MiB over ${s.listenerSeconds} listener-seconds`,
    `loadtest   ${s.loadtest.cpuSeconds} CPU-s in ${s.loadtest.wallSeconds} s (${s.loadtest.cpuPercentOfOneCore} % of one core), max RSS ${s.loadtest.maxRssMiB} MiB, event-loop delay p99 ${s.loadtest.loopDelayMs.p99} ms max ${s.loadtest.loopDelayMs.max} ms`,
  ]
    .filter((l) => l !== null)
    .join('\n');
}

async function main(): Promise<void> {
  const parsed = parseLoadtestArgs(process.argv.slice(2), readLimits());
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    for (const p of parsed.problems) process.stderr.write(`loadtest: ${p}\n`);
    process.stderr.write('loadtest: see npm run loadtest -- --help\n');
    process.exitCode = 2;
    return;
  }
  const o = parsed.options;
  const summary = await runLoadtest(o, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (o.jsonFile !== null) writeFileSync(o.jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`loadtest: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
