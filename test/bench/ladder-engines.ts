// CLI `node test/bench/ladder-engines.ts [--seconds 60] [--runs 3]`: the codec choice of the ladder
// (bridge/src/ladder/engine.ts), measured. One MP3 file (128 kbps, 44.1 kHz stereo, tone over pink
// noise) goes as fast as it can through (a) the WebAssembly encoder (worker thread; CPU of this
// process, all threads, by process.cpuUsage) and (b) ffmpeg with the same ladder arguments the
// bridge uses (CPU from bash's `times`), for the MP3-only ladder both can make (MP3 128 + MP3 64),
// and ffmpeg for the full 4 rungs. Runs alternated; CPU seconds per hour of audio; median (min–max).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegLadderArgs } from '../../bridge/src/ladder/ffmpeg-ladder.ts';
import { WasmLadder } from '../../bridge/src/ladder/wasm-ladder.ts';
import type { RungConfig } from '../../config/src/config-schema.ts';
import { ArgReader } from './cli-args.ts';
import { benchHeader } from './machine.ts';

const args = new ArgReader(process.argv.slice(2));
let seconds = 60;
let runs = 3;
while (args.next()) {
  if (args.flag === '--seconds') seconds = args.whole('60', 5, 3600) ?? seconds;
  else if (args.flag === '--runs') runs = args.whole('3', 1, 20) ?? runs;
  else args.problems.push(`unknown argument ${args.arg}: use --seconds N, --runs N`);
}
if (args.problems.length > 0) {
  process.stderr.write(`ladder-engines: ${args.problems.join('; ')}\n`);
  process.exit(2);
}

const MP3_RUNGS: RungConfig[] = [
  { path: '/a', codec: 'mp3', bitrate_kbps: 128, channels: 2 },
  { path: '/b', codec: 'mp3', bitrate_kbps: 64, channels: 2 },
];
const FULL: RungConfig[] = [...MP3_RUNGS, { path: '/c', codec: 'aac', bitrate_kbps: 96, channels: 2 }, { path: '/d', codec: 'opus', bitrate_kbps: 64, channels: 2 }];

async function wasmCpu(input: Uint8Array): Promise<number> {
  const before = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    const l = new WasmLadder({ format: 'mp3' }, MP3_RUNGS, { output: () => {}, exited: (e) => (e ? reject(e) : resolve()) });
    // In the sizes a live parent arrives in (a tick's worth), as the bridge writes them.
    for (let at = 0; at < input.length; at += 1600) l.write(input.subarray(at, at + 1600));
    l.close();
  });
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1e6;
}

function ffmpegCpu(file: string, rungs: RungConfig[]): number {
  const ladderArgs = ffmpegLadderArgs({ format: 'mp3' }, rungs, '');
  const i = ladderArgs.indexOf('pipe:0');
  const argv = [...ladderArgs.slice(0, i - 3), '-i', file, ...ladderArgs.slice(i + 1)].map((a) => (/^pipe:\d+$/.test(a) ? '/dev/null' : a));
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const out = execFileSync('bash', ['-c', `ffmpeg -y ${quoted} </dev/null; times`], { encoding: 'utf8' });
  const [u, s] = out.trim().split('\n').at(-1)!.trim().split(/\s+/);
  const sec = (t: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t)!;
    return Number(m[1]) * 60 + Number(m[2]);
  };
  return sec(u!) + sec(s!);
}

const dir = mkdtempSync(join(tmpdir(), 'aircheck-ladder-engines-'));
const file = join(dir, 'input.mp3');
execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-f', 'lavfi', '-i', 'anoisesrc=color=pink:sample_rate=44100:amplitude=0.2',
  '-filter_complex', '[0][1]amix=inputs=2,aformat=channel_layouts=stereo', '-t', String(seconds), '-c:a', 'libmp3lame', '-b:a', '128k', file]);
const input = new Uint8Array(readFileSync(file));
const results: Record<string, number[]> = { wasm: [], ffmpeg: [], ffmpegFull: [] };
try {
  for (let run = 1; run <= runs; run++) {
    const order = run % 2 === 1 ? ['wasm', 'ffmpeg', 'ffmpegFull'] : ['ffmpegFull', 'ffmpeg', 'wasm'];
    for (const what of order) {
      const cpu = what === 'wasm' ? await wasmCpu(input) : ffmpegCpu(file, what === 'ffmpeg' ? MP3_RUNGS : FULL);
      results[what]!.push(cpu);
    }
    process.stderr.write(`run ${run}: ${JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.at(-1)])))}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const perHour = (cpu: number) => (cpu * 3600) / seconds;
const fmt = (xs: number[]) => {
  const s = xs.map(perHour).sort((a, b) => a - b);
  return `${s[Math.floor((s.length - 1) / 2)]!.toFixed(0)} s (${s[0]!.toFixed(0)}–${s.at(-1)!.toFixed(0)})`;
};
const speed = (xs: number[]) => `${Math.round(seconds / [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!)}×`;
console.log(`\n${benchHeader()}\n${seconds} s of MP3 128 kbps input, ${runs} runs alternated; CPU per hour of audio, median (min–max)\n`);
console.log('| Ladder | Engine | CPU per hour of audio | real time per CPU second |');
console.log('|---|---|---:|---:|');
console.log(`| MP3 128 + MP3 64 | WebAssembly (worker) | ${fmt(results.wasm!)} | ${speed(results.wasm!)} |`);
console.log(`| MP3 128 + MP3 64 | ffmpeg | ${fmt(results.ffmpeg!)} | ${speed(results.ffmpeg!)} |`);
console.log(`| MP3 128 + MP3 64 + AAC 96 + Opus 64 | ffmpeg | ${fmt(results.ffmpegFull!)} | ${speed(results.ffmpegFull!)} |`);
