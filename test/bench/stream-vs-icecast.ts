// Comparative benchmark: `npm run bench:stream -- [--listeners 1000,5000] [--runs 3] [--burst 10000]`.
// Runs Debian's icecast2 and Aircheck on this machine, alternately, each fed by the same ffmpeg MP3
// source and loaded by loadtest.ts in its own process; stream-bench-plan.ts orders the runs,
// stream-bench-report.ts turns them into Markdown tables; every run also goes to a JSON file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, localPortOf, tcpBytesAcked, cpuSplit, diffCounters, killStartedNow, tcpCounters, peakRssMiB, rssMiB, spawnTracked, startAircheck, startFfmpegSource, startIcecast, waitForMountAudio } from './bench-peers.ts';
import type { Peer, Source } from './bench-peers.ts';
import { SERVER_NAMES, USAGE, estimateSeconds, formatDuration, guardSeconds, parseStreamBenchArgs, planRuns } from './stream-bench-plan.ts';
import type { StreamBenchOptions } from './stream-bench-plan.ts';
import { markdownReport } from './stream-bench-report.ts';
import { benchHeader, commitLabel, machineLabel } from './machine.ts';
import type { RunRecord, ServerResult } from './stream-bench-report.ts';
import type { LoadtestSummary } from './loadtest.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../..');
const MOUNT = '/live';
const SETTLE_S = 4;

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

async function runOne(name: string, start: () => Promise<Peer>, o: StreamBenchOptions, listeners: number, rampS: number, log: (l: string) => void): Promise<ServerResult> {
  log(`\n## ${name}: ${listeners} listeners over ${rampS} s, hold ${o.holdS} s: starting`);
  const peer = await start();
  let source: Source | null = null;
  const work = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  try {
    source = startFfmpegSource(peer.streamBase, MOUNT, peer.sourcePassword);
    try {
      await waitForMountAudio(peer.streamBase, MOUNT, 15_000);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nffmpeg: ${source.tail()}\n${name}: ${peer.tail()}`, { cause: err });
    }
    // Let the burst buffer fill and start-up work settle; measure the idle cost meanwhile.
    const idle0 = safeCpu(peer.pid);
    await sleep(SETTLE_S * 1000);
    const serverIdleCpuPercent = ((safeCpu(peer.pid) - idle0) / SETTLE_S) * 100;
    log(`${name}: pid ${peer.pid}, ${peer.streamBase}${MOUNT} is playing; idle CPU with source ${serverIdleCpuPercent.toFixed(1)} %`);

    const jsonFile = join(work, 'loadtest.json');
    const args = [join(HERE, 'loadtest.ts'), `${peer.streamBase}${MOUNT}`, '-n', String(listeners), '-r', String(rampS), '-d', String(o.holdS), '--json', jsonFile];
    if (o.icy) args.push('--icy');
    if (o.readEveryMs !== null) args.push('--read-every', String(o.readEveryMs));
    if (o.workers !== null) args.push('--workers', String(o.workers));
    const loadAverageBefore = loadavg()[0] ?? NaN;
    const serverRssBeforeMiB = safe(() => rssMiB(peer.pid));
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
    const guardMs = guardSeconds(rampS, o.holdS) * 1000;
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
    const holdFrom = load.startEpochMs + (rampS + Math.min(2, o.holdS / 4)) * 1000;
    const holdTo = load.startEpochMs + (rampS + o.holdS) * 1000;
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
      serverRssBeforeMiB,
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

/**
 * The lines every table prints under its title: machine.ts's machine (cores, CPU model, memory,
 * kernel, Node) and commit, the date, and the peers' versions, so a pasted table says where it came from.
 */
function machineHeaderLines(): string[] {
  const icecast = safeText(() => execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'icecast2'], { encoding: 'utf8' }).trim());
  const ffmpeg = safeText(() => /ffmpeg version (\S+)/.exec(execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }))?.[1] ?? '?');
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return [`Machine: ${machineLabel()}; icecast2 ${icecast}, ffmpeg ${ffmpeg}.  `, `Commit ${commitLabel()}, ${date} UTC.`];
}

function safeText(read: () => string): string {
  try {
    return read();
  } catch {
    return '?';
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

async function main(): Promise<void> {
  const parsed = parseStreamBenchArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    for (const p of parsed.problems) process.stderr.write(`bench:stream: ${p}\n`);
    process.exitCode = 2;
    return;
  }
  const o = parsed.options;
  const log = (l: string): void => void process.stdout.write(`${l}\n`);
  const plan = planRuns(o);
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const jsonFile = o.jsonFile ?? join(REPO_ROOT, 'test-artifacts', `bench-stream-${stamp}.json`);
  const mdFile = o.markdownFile ?? `${jsonFile.replace(/\.json$/, '')}.md`;
  mkdirSync(dirname(jsonFile), { recursive: true });
  mkdirSync(dirname(mdFile), { recursive: true });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killStartedNow();
      process.stderr.write(`bench:stream: ${sig}, stopped the processes it started (runs so far are in ${jsonFile})\n`);
      process.exit(130);
    });
  }
  const header = machineHeaderLines();
  if (o.icy) header.push('Listeners ask for ICY metadata (`Icy-MetaData: 1`).');
  const estimateS = estimateSeconds(plan);
  const loads = [...o.listeners.map((n) => `${n} at ${o.ratePerS}/s`), ...(o.burst !== null ? [`burst ${o.burst} in ${o.burstRampS} s`] : [])];
  log(`bench:stream: ${plan.length} server runs (${loads.join(', ')}; ${o.runs} ${o.runs === 1 ? 'run' : 'runs'} of ${o.only !== null ? SERVER_NAMES[o.only] : 'each server, alternated'}; hold ${o.holdS} s)`);
  log(`bench:stream: estimated ${formatDuration(estimateS)}, done about ${new Date(Date.now() + estimateS * 1000).toTimeString().slice(0, 5)}; JSON → ${jsonFile}, Markdown → ${mdFile}`);
  log(`bench:stream: ${benchHeader()}`);

  const t0 = Date.now();
  const records: RunRecord[] = [];
  const save = (): void => {
    writeFileSync(jsonFile, `${JSON.stringify({ options: o, machine: header.map((l) => l.trim()), estimateSeconds: estimateS, runs: records }, null, 2)}\n`);
    writeFileSync(mdFile, `${markdownReport(records, header)}\n`);
  };
  for (const [i, p] of plan.entries()) {
    const name = SERVER_NAMES[p.server];
    log(`\n# ${i + 1}/${plan.length}: ${p.kind === 'burst' ? 'burst' : 'like-for-like'} ${p.listeners}, run ${p.run + 1}/${o.runs}, ${name} (${p.position === 0 ? 'first' : 'second'}) — ${formatDuration((Date.now() - t0) / 1000)} in`);
    const startedAt = new Date().toISOString();
    const start = (): Promise<Peer> => (p.server === 'icecast' ? startIcecast({ clients: p.listeners + 10 }) : startAircheck(REPO_ROOT));
    try {
      records.push({ ...p, startedAt, result: await runOne(name, start, o, p.listeners, p.rampS, log), error: null });
    } catch (err) {
      // One broken run must not cost the others: it is recorded, reported as such, and skipped.
      log(`bench:stream: ${name} run failed: ${err instanceof Error ? err.message : String(err)}`);
      records.push({ ...p, startedAt, result: null, error: firstLine(err) });
    }
    save();
    // Let the closed sockets' TIME_WAIT and the kernel settle between runs.
    if (i < plan.length - 1) await sleep(3000);
  }
  log(`\n${markdownReport(records, header)}\n`);
  log(`bench:stream: ${plan.length} runs in ${formatDuration((Date.now() - t0) / 1000)} (estimated ${formatDuration(estimateS)}); JSON: ${jsonFile}; Markdown: ${mdFile}`);
  const failed = records.filter((r) => r.result === null).length;
  if (failed > 0) {
    process.stderr.write(`bench:stream: ${failed} of ${records.length} runs failed; see "failed:" in the tables and the JSON\n`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  killStartedNow();
  process.stderr.write(`bench:stream: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
