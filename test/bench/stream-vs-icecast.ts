// Comparative benchmark: `npm run bench:stream -- [-n 10000] [-r 10] [-d 30] [--only icecast|aircheck]`.
// Runs Debian's icecast2 and then Aircheck on this machine, each fed by the same ffmpeg MP3 source
// and loaded by loadtest.ts in its own process; prints a Markdown table of cost and service figures.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, localPortOf, tcpBytesAcked, cpuSplit, diffCounters, killStartedNow, tcpCounters, peakRssMiB, spawnTracked, startAircheck, startFfmpegSource, startIcecast, waitForMountAudio } from './bench-peers.ts';
import type { Peer, Source, TcpCounters } from './bench-peers.ts';
import type { LoadtestSummary } from './loadtest.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../..');
const MOUNT = '/live';
const SETTLE_S = 4;

const USAGE = `usage: npm run bench:stream -- [-n LISTENERS] [-r RAMP_S] [-d HOLD_S] [--only icecast|aircheck] [--icy] [--json FILE]

  -n N          listeners per server (default 10000)
  -r S          ramp seconds (default 10)
  -d S          hold seconds after the ramp (default 30)
  --only WHICH  run one server: icecast or aircheck (default both, icecast2 first)
  --icy         listeners ask for ICY metadata (Icy-MetaData: 1)
  --json FILE   also write every figure as JSON
  --read-every MS, --workers W   passed on to loadtest (see npm run loadtest -- --help)
`;

interface BenchOptions {
  listeners: number;
  rampS: number;
  holdS: number;
  only: 'icecast' | 'aircheck' | null;
  icy: boolean;
  jsonFile: string | null;
  /** passed on to loadtest when set */
  readEveryMs: number | null;
  workers: number | null;
}

interface ServerResult {
  server: string;
  load: LoadtestSummary;
  /** server utime+stime from just before loadtest started until it exited */
  serverCpuSeconds: number;
  serverCpuPerListenerHour: number;
  /** server CPU, % of one core, over the hold phase (after its first 2 s) */
  serverHoldCpuPercent: number;
  /** server CPU, % of one core, with the source connected and no listeners */
  serverIdleCpuPercent: number;
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

function parseArgs(argv: string[]): BenchOptions | null {
  const o: BenchOptions = { listeners: 10_000, rampS: 10, holdS: 30, only: null, icy: false, jsonFile: null, readEveryMs: null, workers: null };
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const need = (): string | null => {
      const v = argv[i + 1];
      if (v === undefined) {
        problems.push(`${flag} needs a value: write it after the flag`);
        return null;
      }
      i++;
      return v;
    };
    const num = (fix: string, whole: boolean, min = 1): number | null => {
      const v = need();
      if (v === null) return null;
      if (!(whole ? /^\d+$/ : /^\d+(\.\d+)?$/).test(v) || (whole && Number(v) < min)) {
        problems.push(`${flag} ${JSON.stringify(v)} is not ${whole ? 'a positive whole number' : 'a number of seconds'}: ${fix}`);
        return null;
      }
      return Number(v);
    };
    switch (flag) {
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        return null;
      case '-n':
        o.listeners = num('give the listener count, e.g. -n 10000', true) ?? o.listeners;
        break;
      case '-r':
        o.rampS = num('give the ramp in seconds, e.g. -r 10', false) ?? o.rampS;
        break;
      case '-d':
        o.holdS = num('give the hold time in seconds, e.g. -d 30', false) ?? o.holdS;
        break;
      case '--only': {
        const v = need();
        if (v === 'icecast' || v === 'aircheck') o.only = v;
        else if (v !== null) problems.push(`--only ${JSON.stringify(v)} is not a server: use --only icecast or --only aircheck`);
        break;
      }
      case '--icy':
        o.icy = true;
        break;
      case '--read-every':
        o.readEveryMs = num('give milliseconds, e.g. --read-every 500 (0 = read every chunk)', true, 0);
        break;
      case '--workers':
        o.workers = num('give the loadtest worker thread count, e.g. --workers 2', true);
        break;
      case '--json':
        o.jsonFile = need();
        break;
      default:
        problems.push(`unknown argument ${JSON.stringify(flag)}: see npm run bench:stream -- --help`);
    }
  }
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`bench:stream: ${p}\n`);
    process.exitCode = 2;
    return null;
  }
  return o;
}

/** Jiffies of the whole machine (/proc/stat "cpu" line): busy (without steal), stolen by the
 *  hypervisor, and total (guest time is already inside user). */
function machineJiffies(): { busy: number; steal: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const steal = v[7] ?? 0;
  return { busy: total - idle - steal, steal, total };
}

const CORES = availableParallelism();

interface Sample {
  atMs: number;
  server: number;
  loadtest: number;
  source: number;
  sourceBytes: number;
  machineBusy: number;
  machineSteal: number;
  machineTotal: number;
}

function safe(read: () => number): number {
  try {
    return read();
  } catch {
    return NaN;
  }
}

function safeCpu(pid: number): number {
  return safe(() => cpuSeconds(pid));
}

async function runOne(name: string, start: () => Promise<Peer>, o: BenchOptions, log: (l: string) => void): Promise<ServerResult> {
  log(`\n## ${name}: starting`);
  const peer = await start();
  let source: Source | null = null;
  const work = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  try {
    source = startFfmpegSource(peer.streamBase, MOUNT, peer.sourcePassword);
    try {
      await waitForMountAudio(peer.streamBase, MOUNT, 15_000);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nffmpeg: ${source.tail()}\n${name}: ${peer.tail()}`);
    }
    // Let the burst buffer fill and start-up work settle; measure the idle cost meanwhile.
    const idle0 = safeCpu(peer.pid);
    await sleep(SETTLE_S * 1000);
    const serverIdleCpuPercent = ((safeCpu(peer.pid) - idle0) / SETTLE_S) * 100;
    log(`${name}: pid ${peer.pid}, ${peer.streamBase}${MOUNT} is playing; idle CPU with source ${serverIdleCpuPercent.toFixed(1)} %`);

    const jsonFile = join(work, 'loadtest.json');
    const args = [join(HERE, 'loadtest.ts'), `${peer.streamBase}${MOUNT}`, '-n', String(o.listeners), '-r', String(o.rampS), '-d', String(o.holdS), '--json', jsonFile];
    if (o.icy) args.push('--icy');
    if (o.readEveryMs !== null) args.push('--read-every', String(o.readEveryMs));
    if (o.workers !== null) args.push('--workers', String(o.workers));
    const loadAverageBefore = loadavg()[0] ?? NaN;
    // ffmpeg's connection to the server: its bytes_acked over the hold is what the server took in.
    const sourcePort = safe(() => localPortOf(source!.pid, Number(new URL(peer.streamBase).port)) ?? NaN);
    const cpu0 = cpuSeconds(peer.pid);
    const tcp0 = tcpCounters();
    const t0 = Date.now();
    const lt = spawnTracked(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const ltPid = lt.pid ?? -1;
    const sourcePid = source.pid;
    const samples: Sample[] = [];
    let sampleCount = 0;
    const sample = (): void => {
      // ss walks every socket on the machine: ask it only every 2 s.
      const withSource = sampleCount++ % 4 === 0 && !Number.isNaN(sourcePort);
      const m = machineJiffies();
      samples.push({
        atMs: Date.now(),
        server: safeCpu(peer.pid),
        loadtest: safeCpu(ltPid),
        source: safeCpu(sourcePid),
        sourceBytes: withSource ? safe(() => tcpBytesAcked(sourcePort)) : NaN,
        machineBusy: m.busy,
        machineSteal: m.steal,
        machineTotal: m.total,
      });
    };
    sample();
    let ltSplit = { user: NaN, sys: NaN };
    const sampler = setInterval(() => {
      sample();
      try {
        ltSplit = cpuSplit(ltPid);
      } catch {
        // exited between samples
      }
    }, 500);
    let ltOut = '';
    let ltPartial = '';
    lt.stdout?.on('data', (b: Buffer) => {
      ltPartial += b.toString();
      let nl: number;
      while ((nl = ltPartial.indexOf('\n')) >= 0) {
        const line = ltPartial.slice(0, nl);
        log(`  [loadtest] ${line}`);
        if (!line.startsWith('t=')) ltOut += `${line}\n`;
        ltPartial = ltPartial.slice(nl + 1);
      }
    });
    let ltErr = '';
    lt.stderr?.on('data', (b: Buffer) => (ltErr += b.toString()));
    // loadtest stops by itself; this is only a guard against a hung generator.
    const guardMs = (o.rampS + o.holdS + 60) * 1000;
    const guard = setTimeout(() => lt.kill('SIGKILL'), guardMs);
    const code: number | null = await new Promise((r) => lt.once('exit', (c) => r(c)));
    clearTimeout(guard);
    clearInterval(sampler);
    const died = peer.exitStatus();
    if (died !== null) {
      throw new Error(`${name} exited (${died}) during the listener phase; loadtest said:\n${ltOut}${ltErr}\n${name}'s last output:\n${peer.tail()}`);
    }
    const cpu1 = cpuSeconds(peer.pid);
    const tcp = diffCounters(tcp0, tcpCounters());
    const phaseSeconds = (Date.now() - t0) / 1000;
    if (code !== 0) throw new Error(`loadtest exited with ${code}: ${ltErr.trim()}`);
    const load = JSON.parse(readFileSync(jsonFile, 'utf8')) as LoadtestSummary;
    const sourceAliveAtEnd = await isSourceAlive(source);

    // Hold-phase window, from the loadtest's own schedule origin.
    const holdFrom = load.startEpochMs + (o.rampS + Math.min(2, o.holdS / 4)) * 1000;
    const holdTo = load.startEpochMs + (o.rampS + o.holdS) * 1000;
    // sample() ran once before loadtest started, so there is always at least one
    const a = nearest(samples, holdFrom)!;
    const b = nearest(samples, holdTo)!;
    const spanS = (b.atMs - a.atMs) / 1000;
    const pct = (x: number): number => (spanS > 0 ? (100 * x) / spanS : NaN);
    const serverCpuSeconds = cpu1 - cpu0;
    const withSourceBytes = samples.filter((x) => Number.isFinite(x.sourceBytes));
    const rateKiBps = (x: Sample | undefined, y: Sample | undefined): number =>
      x !== undefined && y !== undefined && y.atMs > x.atMs ? (y.sourceBytes - x.sourceBytes) / 1024 / ((y.atMs - x.atMs) / 1000) : NaN;
    const dTotal = b.machineTotal - a.machineTotal;
    const machineHoldBusyPercent = dTotal > 0 ? (100 * (b.machineBusy - a.machineBusy)) / dTotal : NaN;
    const known = pct(b.server - a.server) + pct(b.loadtest - a.loadtest) + pct(b.source - a.source);
    return {
      server: name,
      load,
      serverCpuSeconds,
      serverCpuPerListenerHour: load.listenerSeconds > 0 ? serverCpuSeconds / (load.listenerSeconds / 3600) : NaN,
      serverHoldCpuPercent: pct(b.server - a.server),
      serverIdleCpuPercent,
      serverPeakRssMiB: peakRssMiB(peer.pid),
      machineHoldBusyPercent,
      machineHoldStealPercent: dTotal > 0 ? (100 * (b.machineSteal - a.machineSteal)) / dTotal : NaN,
      otherHoldCpuPercent: machineHoldBusyPercent * CORES - known,
      sourceHoldCpuPercent: pct(b.source - a.source),
      sourceHoldKiBps: rateKiBps(nearest(withSourceBytes, holdFrom), nearest(withSourceBytes, holdTo)),
      loadAverageBefore,
      loadtestCpuSeconds: load.loadtest.cpuSeconds,
      loadtestHoldCpuPercent: pct(b.loadtest - a.loadtest),
      loadtestUserSeconds: ltSplit.user,
      loadtestSysSeconds: ltSplit.sys,
      tcp,
      sourceAliveAtEnd,
      phaseSeconds,
    };
  } finally {
    await source?.stop();
    await peer.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function isSourceAlive(source: Source): Promise<boolean> {
  try {
    process.kill(source.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The sample taken closest to atMs (undefined only when there are none). */
function nearest(samples: Sample[], atMs: number): Sample | undefined {
  let best: Sample | undefined;
  for (const s of samples) if (best === undefined || Math.abs(s.atMs - atMs) < Math.abs(best.atMs - atMs)) best = s;
  return best;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

export function markdownTable(results: ServerResult[], n: number): string {
  const ice = results.find((r) => r.server === 'icecast2');
  const air = results.find((r) => r.server === 'Aircheck');
  const cols = results.map((r) => r.server);
  const withRatio = ice !== undefined && air !== undefined;
  const rows: [string, (r: ServerResult) => number, number, boolean][] = [
    // label, value, digits, ratio meaningful
    [`admitted (of ${n})`, (r) => r.load.admitted, 0, true],
    ['failed (refused/reset/non-200)', (r) => r.load.failed, 0, false],
    ['dropped after admission', (r) => r.load.dropped, 0, false],
    ['unserved at end (still waiting)', (r) => r.load.unserved, 0, false],
    ['… of which still in TCP connect', (r) => r.load.unservedConnecting, 0, false],
    ['TCP connect p99 (ms)', (r) => r.load.connectMs.p99, 1, true],
    ['TTFB p50 (ms)', (r) => r.load.ttfbMs.p50, 1, true],
    ['TTFB p99 (ms)', (r) => r.load.ttfbMs.p99, 1, true],
    ['TTFB max (ms)', (r) => r.load.ttfbMs.max, 1, true],
    ['server CPU-s, listener phase', (r) => r.serverCpuSeconds, 2, true],
    ['server CPU-s per listener-hour', (r) => r.serverCpuPerListenerHour, 3, true],
    ['server CPU % of one core, hold', (r) => r.serverHoldCpuPercent, 1, true],
    ['server CPU % idle (source only)', (r) => r.serverIdleCpuPercent, 1, true],
    ['server peak RSS (MiB)', (r) => r.serverPeakRssMiB, 0, true],
    ['source pushed KiB/s, hold (15.625 = real time)', (r) => r.sourceHoldKiBps, 2, true],
    ['steady KiB/s per listener, mean (15.625 = 128k)', (r) => r.load.steadyKiBps.mean, 2, true],
    ['steady KiB/s per listener, p1', (r) => r.load.steadyKiBps.p1, 2, true],
    ['server write size (B, at probe listeners)', (r) => r.load.probeBytesPerRead, 0, true],
    ['server writes/s per listener (probes)', (r) => r.load.probeReadsPerSecond, 1, true],
    ['loadtest CPU-s (own, all threads)', (r) => r.loadtestCpuSeconds, 2, false],
    ['loadtest CPU % of one core, hold', (r) => r.loadtestHoldCpuPercent, 1, false],
    ['loadtest user / sys CPU-s', (r) => r.loadtestUserSeconds, 2, false],
    ['loadtest event-loop delay p99 (ms)', (r) => r.load.loadtest.loopDelayMs.p99, 1, false],
    [`machine busy % (${CORES} cores), hold`, (r) => r.machineHoldBusyPercent, 1, false],
    ['machine steal %, hold', (r) => r.machineHoldStealPercent, 1, false],
    ['ffmpeg source CPU %, hold', (r) => r.sourceHoldCpuPercent, 1, false],
    ['other CPU % of one core, hold (softirq, other processes)', (r) => r.otherHoldCpuPercent, 1, false],
    ['load average before', (r) => r.loadAverageBefore, 2, false],
    ['kernel ListenOverflows (machine)', (r) => r.tcp.ListenOverflows, 0, false],
    ['kernel SYN drops: ListenDrops (machine)', (r) => r.tcp.ListenDrops, 0, false],
    ['source still connected at end', (r) => (r.sourceAliveAtEnd ? 1 : 0), 0, false],
  ];
  const header = `| metric | ${cols.join(' | ')} |${withRatio ? ' Aircheck / icecast2 |' : ''}`;
  const sep = `|---|${cols.map(() => '---:').join('|')}|${withRatio ? '---:|' : ''}`;
  const lines = [header, sep];
  for (const [label, value, digits, ratio] of rows) {
    const cells = results.map((r) =>
      label.startsWith('source still')
        ? value(r)
          ? 'yes'
          : 'NO'
        : label.startsWith('loadtest user')
          ? `${fmt(r.loadtestUserSeconds, 1)} / ${fmt(r.loadtestSysSeconds, 1)}`
          : fmt(value(r), digits),
    );
    let line = `| ${label} | ${cells.join(' | ')} |`;
    if (withRatio) {
      const q = value(air) / value(ice);
      line += ` ${ratio && Number.isFinite(q) ? `${q >= 0.1 || q === 0 ? q.toFixed(2) : q.toPrecision(2)}×` : ''} |`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o === null) return;
  const log = (l: string): void => void process.stdout.write(`${l}\n`);
  const results: ServerResult[] = [];
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killStartedNow();
      process.stderr.write(`bench:stream: ${sig}, stopped the processes it started\n`);
      process.exit(130);
    });
  }
  const plan: [string, () => Promise<Peer>][] = [];
  if (o.only !== 'aircheck') plan.push(['icecast2', () => startIcecast({ clients: o.listeners + 10 })]);
  if (o.only !== 'icecast') plan.push(['Aircheck', () => startAircheck(REPO_ROOT)]);
  for (const [name, start] of plan) {
    results.push(await runOne(name, start, o, log));
    // Let the closed sockets' TIME_WAIT and the kernel settle between servers.
    if (plan.length > 1) await sleep(3000);
  }
  log(`\n### ${o.listeners} listeners, ${o.rampS} s ramp, ${o.holdS} s hold, 128 kbps MP3${o.icy ? ', ICY metadata' : ''} — ${new Date().toISOString()}\n`);
  log(markdownTable(results, o.listeners));
  if (o.jsonFile !== null) writeFileSync(o.jsonFile, `${JSON.stringify({ options: o, results }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  killStartedNow();
  process.stderr.write(`bench:stream: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
