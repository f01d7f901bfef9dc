// test-load: heavy ~22s
// Real players on an Ogg Opus /live through a fallback and back (issue 11, "Ogg listeners keep one
// stream"): GStreamer `souphttpsrc ! decodebin` and VLC must keep playing — decoded, tone A, then
// the fallback's tone B, then A again — where a chain change used to stop them. With
// AIRCHECK_MEASURE_PLAYERS=1 it also runs ffmpeg, mpv and ogg123 and prints which survive (README table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startBridge, waitForMount } from '../helpers/bridge.ts';
import { ffmpegSource, makeTempDir } from '../helpers/peers.ts';
import { spawnTracked, type TrackedProcess } from '../helpers/processes.ts';
import { toneFile } from '../helpers/tones.ts';
import { frequencyTimeline, toneSegments } from '../helpers/audio-analysis.ts';

const LIVE_HZ = 1000;
const FALLBACK_HZ = 440;
/** Decoded audio each player must add in each phase (A, B, A) before the next change. */
const PHASE_S = 4;
const PHASE_TIMEOUT_MS = 15_000;
/**
 * After the return: listeners come back with the new source's first page (ffmpeg's Ogg pages hold
 * 1 s) and VLC plays ≈ 1.5 s behind what it receives, so A needs longer to show in its output.
 */
const RETURN_PHASE_S = 6;

interface Player {
  name: string;
  /** Decoded PCM: signed 16-bit little-endian mono at rateHz. */
  rateHz: number;
  start(url: string, out: string): TrackedProcess;
}

/** VLC refuses to run as root ("VLC is not supposed to be run as root"): run it as nobody then. */
function asUnprivileged(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'nobody', '--', cmd, ...args]] : [cmd, args];
}

const PLAYERS: Record<string, Player> = {
  gstreamer: {
    name: 'GStreamer souphttpsrc ! decodebin',
    rateHz: 22050,
    start: (url, out) => spawnTracked('gst-launch-1.0', ['-q', 'souphttpsrc', `location=${url}`, '!', 'decodebin', '!', 'audioconvert', '!',
      'audioresample', '!', 'audio/x-raw,format=S16LE,channels=1,rate=22050', '!', 'filesink', `location=${out}`], { name: 'gst-launch-1.0' }),
  },
  vlc: {
    name: 'VLC (cvlc, afile audio output)',
    rateHz: 48000,
    start: (url, out) => {
      const [cmd, args] = asUnprivileged('cvlc', ['-I', 'dummy', '--no-video', '--aout', 'afile', `--audiofile-file=${out}`,
        '--audiofile-format=s16', '--audiofile-channels=1', '--no-audiofile-wav', url]);
      return spawnTracked(cmd, args, { name: 'cvlc' });
    },
  },
  ffmpeg: {
    name: 'ffmpeg',
    rateHz: 22050,
    start: (url, out) => spawnTracked('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', url, '-ac', '1', '-ar', '22050', '-f', 's16le', '-y', out], { name: 'ffmpeg player' }),
  },
  mpv: {
    name: 'mpv',
    rateHz: 22050,
    start: (url, out) => spawnTracked('mpv', ['--no-config', '--no-video', '--ao=pcm', `--ao-pcm-file=${out}`, '--ao-pcm-waveheader=no',
      '--audio-channels=mono', '--audio-samplerate=22050', '--audio-format=s16', url], { name: 'mpv' }),
  },
  ogg123: {
    name: 'ogg123',
    rateHz: 48000,
    start: (url, out) => spawnTracked('ogg123', ['-q', '-d', 'raw', '-o', 'byteorder:little', '-f', out, url], { name: 'ogg123' }),
  },
};

function pcmBytes(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** Mono float samples from a raw s16le file. */
function readPcm(file: string): Float32Array {
  const bytes = readFileSync(file);
  const n = bytes.length >> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes.readInt16LE(i * 2) / 32768;
  return out;
}

interface Run {
  player: Player;
  proc: TrackedProcess;
  out: string;
  /** Why the player stopped decoding while still running, or null. */
  stalled: string | null;
}

/**
 * Waits until every player still running and not stalled has decoded `seconds` more audio than at
 * `from` (there is no event for a file growing); a player that falls behind is marked stalled.
 */
async function waitForDecoded(runs: readonly Run[], from: Map<Run, number>, seconds: number, what: string): Promise<void> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  for (;;) {
    const behind = runs.filter((r) => r.stalled === null && !r.proc.hasExited && pcmBytes(r.out) < (from.get(r) ?? 0) + seconds * r.player.rateHz * 2);
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      for (const r of behind) r.stalled = `${what}: decoded ${((pcmBytes(r.out) - (from.get(r) ?? 0)) / 2 / r.player.rateHz).toFixed(1)} s of ${seconds} s in ${PHASE_TIMEOUT_MS / 1000} s`;
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sizes(runs: readonly Run[]): Map<Run, number> {
  return new Map(runs.map((r) => [r, pcmBytes(r.out)]));
}

/** Tones heard in order, each lasting at least a second, rounded to 10 Hz. */
function tonesHeard(run: Run): number[] {
  const samples = readPcm(run.out);
  const segments = toneSegments(frequencyTimeline(samples, run.player.rateHz, 250), { minDurationS: 1 });
  return segments.filter((s) => s.frequencyHz !== null).map((s) => Math.round(s.frequencyHz! / 10) * 10);
}

async function fallbackAndReturn(t: import('node:test').TestContext, players: readonly Player[]): Promise<{ run: Run; survived: boolean; tones: number[] }[]> {
  const fallback = await toneFile('ogg-opus', FALLBACK_HZ, 6);
  const bridge = await startBridge({ env: { AIRCHECK_LIVE_FALLBACK_FILE: fallback } });
  t.after(() => bridge.stop());
  const dir = makeTempDir('ogg-players');
  chmodSync(dir, 0o777); // VLC runs as nobody when the tests run as root

  const first = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'ogg-opus', toneHz: LIVE_HZ });
  t.after(() => first.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');

  const runs: Run[] = players.map((player, i) => {
    const out = join(dir, `player-${i}.s16`);
    const proc = player.start(bridge.url('/live'), out);
    t.after(() => proc.stop('SIGKILL'));
    return { player, proc, out, stalled: null };
  });
  await waitForDecoded(runs, new Map(), PHASE_S, 'tone A before the fallback');

  // The source stops gracefully (ffmpeg ends its stream with an EOS page), the fallback file loops.
  await first.stop('SIGTERM');
  await waitForMount(bridge, '/live', (m) => m.playing === 'fallback-file');
  await waitForDecoded(runs, sizes(runs), PHASE_S, 'tone B of the fallback');

  const second = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'ogg-opus', toneHz: LIVE_HZ });
  t.after(() => second.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  await waitForDecoded(runs, sizes(runs), RETURN_PHASE_S, 'tone A after the return');

  return runs.map((run) => ({ run, survived: !run.proc.hasExited && run.stalled === null, tones: pcmBytes(run.out) === 0 ? [] : tonesHeard(run) }));
}

function outcome(run: Run): string {
  if (run.proc.hasExited) return `exited: ${run.proc.tail(400).replace(/\n/g, ' | ')}`;
  return run.stalled === null ? 'still playing' : `${run.stalled}; its output: ${run.proc.tail(600).replace(/\n/g, ' | ')}`;
}

test('GStreamer (souphttpsrc ! decodebin) and VLC play an Ogg Opus /live through a fallback and its return without stopping', async (t) => {
  const results = await fallbackAndReturn(t, [PLAYERS.gstreamer!, PLAYERS.vlc!]);
  for (const { run, survived, tones } of results) {
    assert.ok(survived, `${run.player.name} still plays after the return; ${outcome(run)}`);
    assert.deepEqual(tones, [LIVE_HZ, FALLBACK_HZ, LIVE_HZ], `${run.player.name} decoded tone A, the fallback's tone B, then A again`);
  }
});

test('other players through a fallback and return (measured for the README, not asserted)', { skip: process.env.AIRCHECK_MEASURE_PLAYERS !== '1' && 'set AIRCHECK_MEASURE_PLAYERS=1 to measure' }, async (t) => {
  const results = await fallbackAndReturn(t, [PLAYERS.ffmpeg!, PLAYERS.mpv!, PLAYERS.ogg123!]);
  for (const { run, survived, tones } of results) {
    t.diagnostic(`${run.player.name}: ${survived ? 'survived' : 'stopped'} (${outcome(run)}); tones ${JSON.stringify(tones)}`);
  }
});
