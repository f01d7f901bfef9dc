// CLI `node test/bench/ladder-bench.ts [--seconds 30] [--runs 3] [--listeners 1000] [--mp3-only]`:
// what a transcoded ladder costs. Each run, alternated: (a) the bridge with a 4-rung ladder on /live
// (MP3 128, MP3 64, AAC 96, Opus 64; `--mp3-only`: MP3 128 + MP3 64, once with the ffmpeg engine and
// once with WebAssembly) fed by an ffmpeg source (`-re`, `-c copy` of one MP3 file), (b) the same
// bridge and source without the ladder, (c) ffmpeg alone running the same ladder from the same file
// for the same time. Ladder CPU = bridge with − bridge without (CPU of every thread and child
// process, /proc); ratio = ladder ÷ ffmpeg alone. Then, with the ladder running, `--listeners` raw
// listeners across the rungs and the event loop's delay p99 read from the bridge's /health.json
// (perf_hooks.monitorEventLoopDelay, one window per 2 s health sample; the worst window is shown).
// Prints a Markdown table with the machine and commit line. Not part of `npm test`.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { spawnTracked, type TrackedProcess } from '../helpers/processes.ts';
import { ArgReader } from './cli-args.ts';
import { benchHeader } from './machine.ts';
import { cpuSeconds } from './bench-peers.ts';
import { ffmpegLadderArgs } from '../../bridge/src/ladder/ffmpeg-ladder.ts';
import type { RungConfig } from '../../config/src/config-schema.ts';

// ---- arguments ----------------------------------------------------------------------------------
const args = new ArgReader(process.argv.slice(2));
let seconds = 30;
let runs = 3;
let listeners = 1000;
let mp3Only = false;
while (args.next()) {
  if (args.flag === '--seconds') seconds = args.whole('30', 5, 3600) ?? seconds;
  else if (args.flag === '--runs') runs = args.whole('3', 1, 20) ?? runs;
  else if (args.flag === '--listeners') listeners = args.whole('1000', 0, 20000) ?? listeners;
  else if (args.flag === '--mp3-only') mp3Only = true;
  else args.problems.push(`unknown argument ${args.arg}: use --seconds N, --runs N, --listeners N, --mp3-only`);
}
if (args.problems.length > 0) {
  process.stderr.write(`ladder-bench: ${args.problems.join('; ')}\n`);
  process.exit(2);
}

const FULL: RungConfig[] = [
  { path: '/live-128.mp3', codec: 'mp3', bitrate_kbps: 128, channels: 2 },
  { path: '/live-64.mp3', codec: 'mp3', bitrate_kbps: 64, channels: 2 },
  { path: '/live-96.aac', codec: 'aac', bitrate_kbps: 96, channels: 2 },
  { path: '/live-64.opus', codec: 'opus', bitrate_kbps: 64, channels: 2 },
];
const RUNGS = mp3Only ? FULL.slice(0, 2) : FULL;
const WARMUP_S = 4;

// ---- measuring ----------------------------------------------------------------------------------

/** CPU seconds of pid and every live descendant (the ladder's ffmpeg child), every thread. */
function treeCpuSeconds(pid: number): number {
  let total = 0;
  try {
    total += cpuSeconds(pid);
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const c of children ? children.split(' ') : []) total += treeCpuSeconds(Number(c));
    }
  } catch {
    // a process that just exited
  }
  return total;
}

/** /health.json, also when it answers 503 (critical). */
async function health(bridge: RunningBridge): Promise<{ at: string; eventLoopP99Ms: number }> {
  return (await fetch(`${bridge.streamUrl}/health.json`)).json() as Promise<{ at: string; eventLoopP99Ms: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ladderToml(engine: 'auto' | 'wasm'): string {
  return `[[mounts]]\npath = "/live"\nladder_engine = "${engine}"\n${RUNGS.map((r) => `[[mounts.ladder]]\npath = "${r.path}"\ncodec = "${r.codec}"\nbitrate_kbps = ${r.bitrate_kbps}\n`).join('')}`;
}

function source(bridge: RunningBridge, input: string): TrackedProcess {
  return spawnTracked('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', input, '-c', 'copy',
    '-content_type', 'audio/mpeg', '-f', 'mp3', bridge.icecastUrl('/live')], { name: 'ffmpeg source' });
}

interface BridgeRun {
  cpuS: number;
  /** p99 of each 2 s health window while the listeners were attached, ms. */
  loopP99Ms: number[];
  listenersConnected: number;
}

async function runBridge(input: string, ladder: 'none' | 'auto' | 'wasm', withListeners: boolean): Promise<BridgeRun> {
  const bridge = await startBridge(ladder === 'none' ? {} : { configToml: ladderToml(ladder) });
  const src = source(bridge, input);
  const sockets: Socket[] = [];
  try {
    await waitForMount(bridge, '/live', (m) => m.playing === 'source', 15_000);
    if (ladder !== 'none') for (const r of RUNGS) await waitForMount(bridge, r.path, (m) => m.playing === 'source', 15_000);
    await sleep(WARMUP_S * 1000);
    const pid = bridge.proc.pid!;
    const before = treeCpuSeconds(pid);
    await sleep(seconds * 1000);
    const cpuS = treeCpuSeconds(pid) - before;
    const loopP99Ms: number[] = [];
    let connected = 0;
    if (withListeners && listeners > 0) {
      const u = new URL(bridge.streamUrl);
      for (let i = 0; i < listeners; i++) {
        // Without a ladder the same number of listeners play /live: what the listeners alone cost the loop.
        const path = ladder === 'none' ? '/live' : RUNGS[i % RUNGS.length]!.path;
        const s = connect(Number(u.port), u.hostname, () => s.write(`GET ${path} HTTP/1.0\r\nHost: ${u.host}\r\n\r\n`));
        s.on('error', () => {});
        s.on('data', () => {});
        s.once('data', () => connected++);
        sockets.push(s);
        if (i % 100 === 99) await sleep(50);
      }
      await sleep(3000); // the joins' own window passes
      await health(bridge);
      const end = Date.now() + Math.min(seconds, 20) * 1000;
      let lastAt = '';
      while (Date.now() < end) {
        await sleep(2100);
        const h = await health(bridge);
        if (h.at !== lastAt) loopP99Ms.push(h.eventLoopP99Ms);
        lastAt = h.at;
      }
    }
    return { cpuS, loopP99Ms, listenersConnected: connected };
  } finally {
    for (const s of sockets) s.destroy();
    await src.stop('SIGKILL');
    await bridge.stop();
  }
}

/** ffmpeg alone: the same ladder from the same file, real time; its CPU over the same window after the same warm-up. */
async function runFfmpegAlone(input: string): Promise<number> {
  const ladderArgs = ffmpegLadderArgs({ format: 'mp3' }, RUNGS, '');
  // The ladder's own args name the input format first (-f mp3 -i pipe:0): those three give way to the file.
  const i = ladderArgs.indexOf('pipe:0');
  const argv = [...ladderArgs.slice(0, i - 3), '-re', '-stream_loop', '-1', '-i', input, ...ladderArgs.slice(i + 1)]
    .map((a) => (/^pipe:\d+$/.test(a) ? '/dev/null' : a));
  const proc = spawnTracked('ffmpeg', ['-y', ...argv], { name: 'ffmpeg alone' });
  try {
    await sleep(WARMUP_S * 1000);
    const before = treeCpuSeconds(proc.pid!);
    await sleep(seconds * 1000);
    return treeCpuSeconds(proc.pid!) - before;
  } finally {
    await proc.stop('SIGKILL');
  }
}

// ---- the runs -----------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'aircheck-ladder-bench-'));
const input = join(dir, 'input.mp3');
// Music-like input: a tone over pink noise, stereo, 44.1 kHz, MP3 128 kbps CBR (what stations send).
execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-f', 'lavfi', '-i', 'anoisesrc=color=pink:sample_rate=44100:amplitude=0.2',
  '-filter_complex', '[0][1]amix=inputs=2,aformat=channel_layouts=stereo', '-t', '60', '-c:a', 'libmp3lame', '-b:a', '128k', input]);

const engines: ('auto' | 'wasm')[] = mp3Only ? ['auto', 'wasm'] : ['auto'];
const rows: { run: number; ladder: Record<string, number>; plain: number; ffmpeg: number }[] = [];
const loop: { engine: string; p99: number[]; connected: number }[] = [];
try {
  for (let run = 1; run <= runs; run++) {
    const ladder: Record<string, number> = {};
    // Alternate the order each run so drift on the shared machine does not favour one side.
    const order = run % 2 === 1 ? ['ladder', 'plain', 'ffmpeg'] : ['ffmpeg', 'plain', 'ladder'];
    let plain = 0;
    let ffmpeg = 0;
    for (const what of order) {
      if (what === 'plain') {
        const r = await runBridge(input, 'none', run === runs);
        plain = r.cpuS;
        if (run === runs && listeners > 0) loop.push({ engine: 'none', p99: r.loopP99Ms, connected: r.listenersConnected });
      }
      else if (what === 'ffmpeg') ffmpeg = await runFfmpegAlone(input);
      else {
        for (const engine of engines) {
          const r = await runBridge(input, engine, run === runs);
          ladder[engine] = r.cpuS;
          if (run === runs && listeners > 0) loop.push({ engine, p99: r.loopP99Ms, connected: r.listenersConnected });
        }
      }
    }
    rows.push({ run, ladder, plain, ffmpeg });
    process.stderr.write(`run ${run}: ${JSON.stringify(rows.at(-1))}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// ---- the table ----------------------------------------------------------------------------------
const pct = (cpuS: number) => (100 * cpuS) / seconds;
const range = (xs: number[], f: (x: number) => string) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${f(s[Math.floor((s.length - 1) / 2)]!)} (${f(s[0]!)}–${f(s.at(-1)!)})`;
};
const rungNames = RUNGS.map((r) => `${r.codec.toUpperCase()} ${r.bitrate_kbps}`).join(' + ');
console.log(`\n${benchHeader()}`);
console.log(`ladder ${rungNames}; input MP3 128 kbps 44.1 kHz stereo; ${seconds} s windows; ${runs} runs alternated; median (min–max)\n`);
console.log('| What | CPU, % of one core | ÷ ffmpeg alone |');
console.log('|---|---|---|');
console.log(`| ffmpeg alone, same ladder, same input | ${range(rows.map((r) => pct(r.ffmpeg)), (x) => x.toFixed(2))} | 1 |`);
for (const engine of engines) {
  const costs = rows.map((r) => r.ladder[engine]! - r.plain);
  const ratios = rows.map((r) => (r.ladder[engine]! - r.plain) / r.ffmpeg);
  console.log(`| Aircheck ladder (${engine === 'auto' ? 'ffmpeg engine' : 'WebAssembly engine'}) = bridge with − without | ${range(costs.map(pct), (x) => x.toFixed(2))} | ${range(ratios, (x) => x.toFixed(2))} |`);
}
console.log(`| (bridge without ladder, for reference) | ${range(rows.map((r) => pct(r.plain)), (x) => x.toFixed(2))} | |`);
for (const l of loop) {
  const s = [...l.p99].sort((a, b) => a - b);
  const worst = s.at(-1) ?? NaN;
  const median = s[Math.floor((s.length - 1) / 2)] ?? NaN;
  // The health monitor reports the delay beyond monitorEventLoopDelay's 10 ms sampling interval.
  const what = l.engine === 'none' ? `no ladder, ${l.connected}/${listeners} listeners on /live` : `${l.engine === 'auto' ? 'ffmpeg' : 'WebAssembly'} engine, ${l.connected}/${listeners} listeners across ${RUNGS.length} rungs`;
  console.log(`\nevent-loop delay p99 (${what}), ${s.length} windows of 2 s: worst ${worst.toFixed(1)} ms, median ${median.toFixed(1)} ms`);
}
