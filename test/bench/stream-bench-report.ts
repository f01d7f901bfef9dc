// The stream benchmark's summary (pure, no I/O): every single-server run in, Markdown tables out —
// like-for-like rows at equal admitted listeners (min / median / max of each figure and of the
// per-pair Aircheck ÷ icecast2 ratios) and the "admission under a burst" row. Fed by stream-vs-icecast.ts.
import type { LoadtestSummary } from './loadtest.ts';
import { SERVER_NAMES } from './stream-bench-plan.ts';
import type { PlannedRun, ServerKey } from './stream-bench-plan.ts';
import type { TcpCounters } from './bench-peers.ts';

/** What one server run measured (stream-vs-icecast.ts fills it). */
export interface ServerResult {
  server: string;
  load: LoadtestSummary;
  /** server utime+stime from just before loadtest started until it exited */
  serverCpuSeconds: number;
  serverCpuPerListenerHour: number;
  /** server CPU, % of one core, over the hold phase (after its first 2 s) */
  serverHoldCpuPercent: number;
  /** server CPU, % of one core, with the source connected and no listeners */
  serverIdleCpuPercent: number;
  /** VmRSS of the server process with the source playing, just before the listeners came */
  serverRssBeforeMiB: number;
  /** VmHWM (peak resident set) of the server process, read right after the listener phase; each run
   *  starts a fresh server, so it covers start-up, idle and the listeners, the same way for both */
  serverPeakRssMiB: number;
  /** the whole machine, % of all cores busy (steal excluded), over the hold phase */
  machineHoldBusyPercent: number;
  /** % of all cores the hypervisor stole over the hold phase */
  machineHoldStealPercent: number;
  /** busy CPU over the hold phase not in server, loadtest or ffmpeg (kernel softirq work, other
   *  processes), in % of one core: large values mean a shared, noisy machine */
  otherHoldCpuPercent: number;
  sourceHoldCpuPercent: number;
  /** what ffmpeg managed to push during the hold, KiB/s: below 15.6 the server read the source
   *  slower than real time (ffmpeg -re blocks on TCP backpressure), so every listener starves */
  sourceHoldKiBps: number;
  /** 1-minute load average just before the listener phase */
  loadAverageBefore: number;
  /** loadtest process CPU as it measured itself (all threads) */
  loadtestCpuSeconds: number;
  loadtestHoldCpuPercent: number;
  /** loadtest process user / system CPU seconds (from /proc, last sample before it exited) */
  loadtestUserSeconds: number;
  loadtestSysSeconds: number;
  /** kernel TCP counters over the listener phase (whole machine) */
  tcp: TcpCounters;
  sourceAliveAtEnd: boolean;
  phaseSeconds: number;
}

/** One planned run as it happened: its figures, or why there are none. */
export interface RunRecord extends PlannedRun {
  startedAt: string;
  result: ServerResult | null;
  error: string | null;
}

export interface Spread {
  n: number;
  min: number;
  median: number;
  max: number;
}

/** min / median / max of the finite values (median of an even count: mean of the middle two). */
export function spread(values: readonly number[]): Spread {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, min: NaN, median: NaN, max: NaN };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { n: v.length, min: v[0]!, median, max: v[v.length - 1]! };
}

export function fmt(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '–';
  const s = x.toFixed(digits);
  // thousands separators on the integer part, as the README's tables have them
  const [int, frac] = s.split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** "min / median / max", or the one value when they are all equal; "–" when there are none. */
export function fmtSpread(s: Spread, digits: number, suffix = '', format: (x: number, digits: number) => string = fmt): string {
  if (s.n === 0) return '–';
  const [a, b, c] = [format(s.min, digits), format(s.median, digits), format(s.max, digits)];
  return a === c ? `${a}${suffix}` : `${a} / ${b} / ${c}${suffix}`;
}

interface Metric {
  label: string;
  value: (r: ServerResult) => number;
  digits: number;
  /** an Aircheck ÷ icecast2 ratio is meaningful (costs and service figures, not context) */
  ratio: boolean;
}

const EQUAL_METRICS: Metric[] = [
  { label: 'server CPU-s per listener-hour', value: (r) => r.serverCpuPerListenerHour, digits: 3, ratio: true },
  { label: 'server CPU % of one core, hold', value: (r) => r.serverHoldCpuPercent, digits: 1, ratio: true },
  { label: 'server CPU-s, listener phase (ramp + hold)', value: (r) => r.serverCpuSeconds, digits: 2, ratio: true },
  { label: 'server CPU % idle (source only, no listeners)', value: (r) => r.serverIdleCpuPercent, digits: 1, ratio: true },
  { label: 'server RSS before listeners (VmRSS, MiB)', value: (r) => r.serverRssBeforeMiB, digits: 0, ratio: true },
  { label: 'server peak RSS (VmHWM, MiB)', value: (r) => r.serverPeakRssMiB, digits: 0, ratio: true },
  { label: 'TCP connect p99 (ms)', value: (r) => r.load.connectMs.p99, digits: 1, ratio: true },
  { label: 'TTFB p50 (ms)', value: (r) => r.load.ttfbMs.p50, digits: 1, ratio: true },
  { label: 'TTFB p99 (ms)', value: (r) => r.load.ttfbMs.p99, digits: 1, ratio: true },
  { label: 'TTFB max (ms)', value: (r) => r.load.ttfbMs.max, digits: 1, ratio: true },
  { label: 'dropped after admission', value: (r) => r.load.dropped, digits: 0, ratio: false },
  { label: 'steady KiB/s per listener, mean (15.625 = 128k)', value: (r) => r.load.steadyKiBps.mean, digits: 2, ratio: false },
  { label: 'steady KiB/s per listener, p1', value: (r) => r.load.steadyKiBps.p1, digits: 2, ratio: false },
  { label: 'source pushed KiB/s, hold (15.625 = real time)', value: (r) => r.sourceHoldKiBps, digits: 2, ratio: false },
  { label: 'server write size (B, at probe listeners)', value: (r) => r.load.probeBytesPerRead, digits: 0, ratio: true },
  { label: 'server writes/s per listener (probes)', value: (r) => r.load.probeReadsPerSecond, digits: 1, ratio: true },
  { label: 'loadtest CPU % of one core, hold', value: (r) => r.loadtestHoldCpuPercent, digits: 1, ratio: false },
  { label: 'loadtest event-loop delay p99 (ms)', value: (r) => r.load.loadtest.loopDelayMs.p99, digits: 1, ratio: false },
  { label: 'machine busy % of all cores, hold', value: (r) => r.machineHoldBusyPercent, digits: 1, ratio: false },
  { label: 'machine steal %, hold', value: (r) => r.machineHoldStealPercent, digits: 1, ratio: false },
  { label: 'ffmpeg source CPU % of one core, hold', value: (r) => r.sourceHoldCpuPercent, digits: 1, ratio: false },
  { label: 'other CPU % of one core, hold (softirq, other processes)', value: (r) => r.otherHoldCpuPercent, digits: 1, ratio: false },
  { label: 'load average before', value: (r) => r.loadAverageBefore, digits: 2, ratio: false },
  { label: 'kernel ListenOverflows (machine)', value: (r) => r.tcp.ListenOverflows, digits: 0, ratio: false },
];

const BURST_METRICS: Metric[] = [
  { label: 'unserved at the end (never got a response)', value: (r) => r.load.unserved, digits: 0, ratio: false },
  { label: '… of which still in TCP connect (SYN retries)', value: (r) => r.load.unservedConnecting, digits: 0, ratio: false },
  { label: 'failed (refused / reset / non-200)', value: (r) => r.load.failed, digits: 0, ratio: false },
  { label: 'dropped after admission', value: (r) => r.load.dropped, digits: 0, ratio: false },
  { label: 'TCP connect p99 (ms)', value: (r) => r.load.connectMs.p99, digits: 1, ratio: false },
  { label: 'TTFB p50 (ms)', value: (r) => r.load.ttfbMs.p50, digits: 1, ratio: false },
  { label: 'TTFB p99 (ms)', value: (r) => r.load.ttfbMs.p99, digits: 1, ratio: false },
  { label: 'TTFB max (ms)', value: (r) => r.load.ttfbMs.max, digits: 1, ratio: false },
  { label: 'steady KiB/s per admitted listener, mean', value: (r) => r.load.steadyKiBps.mean, digits: 2, ratio: false },
  { label: 'kernel ListenOverflows (machine)', value: (r) => r.tcp.ListenOverflows, digits: 0, ratio: false },
];

/** Both servers' runs of one load, by run index. */
interface Pair {
  run: number;
  byServer: Partial<Record<ServerKey, RunRecord>>;
  /** servers in the order they ran */
  order: ServerKey[];
}

function pairsOf(records: readonly RunRecord[]): Pair[] {
  const pairs = new Map<number, Pair>();
  for (const rec of records) {
    let p = pairs.get(rec.run);
    if (p === undefined) pairs.set(rec.run, (p = { run: rec.run, byServer: {}, order: [] }));
    p.byServer[rec.server] = rec;
    p.order[rec.position] = rec.server;
  }
  return [...pairs.values()].sort((a, b) => a.run - b.run);
}

/** Why a run does not count as like-for-like, or null when its server admitted every listener. */
export function incompleteReason(rec: RunRecord): string | null {
  const name = SERVER_NAMES[rec.server];
  if (rec.result === null) return `${name} failed: ${rec.error ?? 'no result'}`;
  const l = rec.result.load;
  if (l.admitted < rec.listeners) {
    return `${name} admitted ${fmt(l.admitted, 0)} of ${fmt(rec.listeners, 0)} (${fmt(l.unserved, 0)} unserved, ${fmt(l.failed, 0)} failed)`;
  }
  if (!rec.result.sourceAliveAtEnd) return `${name}'s source (ffmpeg) was gone at the end`;
  return null;
}

function serversIn(records: readonly RunRecord[]): ServerKey[] {
  return (['icecast', 'aircheck'] as const).filter((s) => records.some((r) => r.server === s));
}

function orderText(p: Pair): string {
  return p.order.filter((s) => s !== undefined).map((s) => SERVER_NAMES[s]).join(' → ');
}

/** A ratio: two decimals, or two significant digits below 0.1 (0.0071, not 0.01). */
export function fmtRatio(q: number, digits: number): string {
  return Number.isFinite(q) && q !== 0 && Math.abs(q) < 0.1 ? q.toPrecision(digits) : fmt(q, digits);
}

/** The Markdown section of one like-for-like load (all its runs, both servers). */
export function equalLoadTable(records: readonly RunRecord[], headerLines: readonly string[]): string {
  const first = records[0];
  if (first === undefined) return '';
  const n = first.listeners;
  const servers = serversIn(records);
  const both = servers.length === 2;
  const pairs = pairsOf(records);
  const complete = pairs.filter((p) => servers.every((s) => p.byServer[s] !== undefined && incompleteReason(p.byServer[s]!) === null));
  const excluded = pairs.filter((p) => !complete.includes(p));
  const rate = Math.round(n / first.rampS);
  const out: string[] = [
    `### Like-for-like: ${fmt(n, 0)} listeners, ${fmt(first.rampS, 0)} s ramp (${fmt(rate, 0)} listeners/s), hold ${fmt(holdOf(records), 0)} s, 128 kbps MP3`,
    '',
    ...headerLines,
    '',
    `Complete ${both ? 'pairs' : 'runs'}: **${complete.length} of ${pairs.length}** (${both ? 'both servers' : 'the server'} admitted all ${fmt(n, 0)}). ` +
      `Cells: min / median / max over the complete runs (one value when all are equal)` +
      (both ? '; the ratio is Aircheck ÷ icecast2 within each pair, then min / median / max of those ratios.' : '.') +
      (pairs.length < 3 ? ` **Only ${pairs.length} ${pairs.length === 1 ? 'run' : 'runs'}: a smoke test, not a result (use --runs 3 or more).**` : ''),
    '',
    `| metric | ${servers.map((s) => SERVER_NAMES[s]).join(' | ')} |${both ? ' Aircheck / icecast2 |' : ''}`,
    `|---|${servers.map(() => '---:').join('|')}|${both ? '---:|' : ''}`,
  ];
  const admittedAll = servers.map((s) => fmtSpread(spread(pairs.map((p) => p.byServer[s]?.result?.load.admitted ?? NaN)), 0));
  out.push(`| admitted of ${fmt(n, 0)}, every run | ${admittedAll.join(' | ')} |${both ? ' |' : ''}`);
  for (const m of EQUAL_METRICS) {
    const cells = servers.map((s) => fmtSpread(spread(complete.map((p) => m.value(p.byServer[s]!.result!))), m.digits));
    let line = `| ${m.label} | ${cells.join(' | ')} |`;
    if (both) {
      const q = spread(complete.map((p) => m.value(p.byServer.aircheck!.result!) / m.value(p.byServer.icecast!.result!)));
      line += ` ${m.ratio ? fmtSpread(q, 2, '×', fmtRatio) : ''} |`;
    }
    out.push(line);
  }
  out.push('');
  const perRun = pairs.map((p) => {
    const reasons = servers.map((s) => (p.byServer[s] === undefined ? `${SERVER_NAMES[s]} did not run` : incompleteReason(p.byServer[s]!))).filter((x) => x !== null);
    const cost = servers.map((s) => fmt(p.byServer[s]?.result?.serverCpuPerListenerHour ?? NaN, 3)).join(' / ');
    return `run ${p.run + 1} (${orderText(p)}): CPU-s per listener-hour ${cost}${reasons.length > 0 ? ` — **excluded**: ${reasons.join('; ')}` : ''}`;
  });
  out.push(`Per run: ${perRun.join('; ')}.`);
  if (excluded.length > 0) out.push(`Excluded from the figures and ratios above: ${excluded.length} ${excluded.length === 1 ? 'run' : 'runs'} (see per run).`);
  return out.join('\n');
}

/** The Markdown section of the burst load: admission and latency, no CPU. */
export function burstTable(records: readonly RunRecord[], headerLines: readonly string[]): string {
  const first = records[0];
  if (first === undefined) return '';
  const n = first.listeners;
  const servers = serversIn(records);
  const pairs = pairsOf(records);
  const ok = (s: ServerKey): ServerResult[] => records.filter((r) => r.server === s && r.result !== null).map((r) => r.result!);
  const out: string[] = [
    `### Admission under a burst: ${fmt(n, 0)} listeners started within ${fmt(first.rampS, 0)} s, hold ${fmt(holdOf(records), 0)} s`,
    '',
    ...headerLines,
    '',
    `What a sudden audience gets: how many are admitted, how many are still waiting at the end, and how long they wait. ` +
      `Not a CPU comparison (the servers end up serving different numbers of listeners). Cells: min / median / max over ${pairs.length} ${pairs.length === 1 ? 'run' : 'runs'}.`,
    '',
    `| metric | ${servers.map((s) => SERVER_NAMES[s]).join(' | ')} |`,
    `|---|${servers.map(() => '---:').join('|')}|`,
    `| admitted (of ${fmt(n, 0)}) | ${servers.map((s) => fmtSpread(spread(ok(s).map((r) => r.load.admitted)), 0)).join(' | ')} |`,
  ];
  for (const m of BURST_METRICS) out.push(`| ${m.label} | ${servers.map((s) => fmtSpread(spread(ok(s).map(m.value)), m.digits)).join(' | ')} |`);
  out.push('');
  const perRun = pairs.map((p) => {
    const parts = [...p.order.filter((s) => s !== undefined), ...servers.filter((s) => !p.order.includes(s))].map((s) => {
      const rec = p.byServer[s];
      if (rec === undefined) return `${SERVER_NAMES[s]} did not run`;
      return rec.result === null ? `${SERVER_NAMES[s]} failed: ${rec.error ?? 'no result'}` : `${SERVER_NAMES[s]} ${fmt(rec.result.load.admitted, 0)}`;
    });
    return `run ${p.run + 1} (${orderText(p)}): admitted ${parts.join(', ')}`;
  });
  out.push(`Per run: ${perRun.join('; ')}.`);
  return out.join('\n');
}

function holdOf(records: readonly RunRecord[]): number {
  return records[0]?.holdS ?? NaN;
}

/** Every section: like-for-like loads in ascending order, then the burst. */
export function markdownReport(records: readonly RunRecord[], headerLines: readonly string[]): string {
  const sections: string[] = [];
  const equal = [...new Set(records.filter((r) => r.kind === 'equal').map((r) => r.listeners))].sort((a, b) => a - b);
  for (const n of equal) sections.push(equalLoadTable(records.filter((r) => r.kind === 'equal' && r.listeners === n), headerLines));
  const burst = records.filter((r) => r.kind === 'burst');
  if (burst.length > 0) sections.push(burstTable(burst, headerLines));
  return sections.join('\n\n');
}
