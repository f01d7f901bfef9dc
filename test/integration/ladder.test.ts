// test-load: heavy ~40s
// Transcoded ladders (issue 11): /live with four rungs (MP3 128, MP3 64, AAC 96, Ogg Opus 64). A real
// ffmpeg source sends a tone, the title is set the Icecast way (/admin/metadata), the source drops
// (the fallback file plays) and returns: a listener on every rung keeps its one connection, decodes
// in ffmpeg to tone → fallback tone → tone, and gets the title (ICY for MP3/AAC, the Ogg comment
// header for Opus). Without a system ffmpeg (a fresh machine), MP3 rungs run in WebAssembly and an
// AAC rung stops the start with LADDER_CODEC_UNAVAILABLE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked } from '../helpers/processes.ts';
import { getJson, startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { assertOneConnection, connectListener, type ListenerHandle } from '../helpers/listener.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { toneFile } from '../helpers/tones.ts';
import { decodeAudio, frequencyTimeline, toneSegments } from '../helpers/audio-analysis.ts';
import { splitOggChains } from '../helpers/ogg-chains.ts';
import { parseOggPage } from '../../shared/src/ogg/ogg-page.ts';

const LIVE_HZ = 1000;
const FALLBACK_HZ = 440;
const TITLE = 'Ladder Artist - Ladder Song';

interface RungCase {
  path: string;
  codec: 'mp3' | 'aac' | 'opus';
  kbps: number;
  /** ffmpeg demuxer for the decoded check. */
  demuxer: string;
}

const RUNGS: RungCase[] = [
  { path: '/live-128.mp3', codec: 'mp3', kbps: 128, demuxer: 'mp3' },
  { path: '/live-64.mp3', codec: 'mp3', kbps: 64, demuxer: 'mp3' },
  { path: '/live-96.aac', codec: 'aac', kbps: 96, demuxer: 'aac' },
  { path: '/live-64.opus', codec: 'opus', kbps: 64, demuxer: 'ogg' },
];

const CONFIG = `
[[mounts]]
path = "/live"
${RUNGS.map((r) => `[[mounts.ladder]]\npath = "${r.path}"\ncodec = "${r.codec}"\nbitrate_kbps = ${r.kbps}\n`).join('\n')}
`;

/** The first n Ogg pages: flags, serial, sequence, granule, size and the first payload bytes. */
function describePages(bytes: Uint8Array, n: number): string {
  const out: string[] = [];
  for (let offset = 0; out.length < n && offset < bytes.length;) {
    const parsed = parseOggPage(bytes, offset);
    if (!parsed) break;
    const p = parsed.page;
    out.push(`[${p.bos ? 'bos ' : ''}${p.eos ? 'eos ' : ''}${p.continued ? 'cont ' : ''}serial ${p.serial} seq ${p.sequence} granule ${p.granulePosition} ${p.bytes.length} B ${Buffer.from(p.body.subarray(0, 8)).toString('latin1').replace(/[^\x20-\x7e]/g, '.')}]`);
    offset = parsed.nextOffset;
  }
  return out.join(' ');
}

/**
 * Waits until a rung carries audio, as a station's rung does when a listener comes: a probe listener
 * gets its first bytes. The encoder's start-up (a worker compiling WebAssembly, an ffmpeg starting)
 * is not a gap in a running stream; the listeners measured after this get the rung's burst at once.
 */
async function waitForRungAudio(bridge: RunningBridge, path: string): Promise<void> {
  await waitForMount(bridge, path, (m) => m.playing === 'source');
  const probe = await connectListener(bridge.url(path));
  try {
    await probe.waitForAudioBytes(1, 15_000);
  } finally {
    probe.close();
  }
}

/** Seconds of a rung's audio, in bytes (its bitrate). */
const bytesOf = (r: RungCase, seconds: number) => Math.round((r.kbps * 1000 / 8) * seconds * 0.9);
/** Opus pages carry 0.2 s each; around the encoder's restart at a switch or title, a little more. */
const MAX_GAP_MS = 1500;
/** An MP3 rung whose encoder goes on through the switches: the steady-stream bound of the MP3 mounts' tests. */
const MP3_RUNG_MAX_GAP_MS = 500;

async function heardTones(r: RungCase, l: ListenerHandle): Promise<number[]> {
  const round = (f: number) => Math.round(f / 10) * 10;
  if (r.demuxer !== 'ogg') {
    // Which rung and what its stream starts with, if ffmpeg cannot read it (seen once in CI, not reproduced).
    const { samples, sampleRateHz } = await decodeAudio(l.audio, { inputFormat: r.demuxer }).catch((err: Error) => {
      throw new Error(`${r.path}: ${err.message}; first bytes ${Buffer.from(l.audio.subarray(0, 16)).toString('hex')}, ICY titles ${JSON.stringify(l.titles)}`, { cause: err });
    });
    const segments = toneSegments(frequencyTimeline(samples, sampleRateHz, 250), { minDurationS: 1 }).filter((s) => s.frequencyHz !== null);
    return segments.map((s) => round(s.frequencyHz!)).filter((f, i, a) => i === 0 || a[i - 1] !== f);
  }
  const heard: number[] = [];
  const chains = splitOggChains(l.audio);
  for (const [i, chain] of chains.entries()) {
    // What the chain's first pages are, if ffmpeg cannot read it (seen twice in CI, never locally).
    const { samples, sampleRateHz } = await decodeAudio(chain, { inputFormat: 'ogg' }).catch((err: Error) => {
      throw new Error(`${r.path}: chain ${i + 1} of ${chains.length} (${chain.length} bytes): ${err.message}; first pages ${describePages(chain, 5)}; ICY titles ${JSON.stringify(l.titles)}`, { cause: err });
    });
    const timeline = toneSegments(frequencyTimeline(samples, sampleRateHz, 250), { minDurationS: 1 }).filter((s) => s.frequencyHz !== null);
    for (const s of timeline) heard.push(round(s.frequencyHz!));
  }
  return heard.filter((f, i, a) => i === 0 || a[i - 1] !== f);
}

test('a 4-rung ladder on /live: every rung plays the tone with the title and follows fallback and return on one connection', async (t) => {
  const fallback = await toneFile('mp3', FALLBACK_HZ, 8);
  const bridge = await startBridge({ configToml: CONFIG, env: { AIRCHECK_LIVE_FALLBACK_FILE: fallback } });
  t.after(() => bridge.stop());

  const first = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: LIVE_HZ });
  t.after(() => first.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  for (const r of RUNGS) await waitForRungAudio(bridge, r.path);

  // Every listener asks for ICY metadata, as GStreamer, ffmpeg and mpv do (Ogg too, once Ogg listeners get it).
  const listeners = await Promise.all(RUNGS.map((r) => connectListener(bridge.url(r.path), { icyMetadata: true, tap: true })));
  t.after(() => listeners.forEach((l) => l.close()));
  listeners.forEach((l, i) => {
    assert.equal(l.statusCode, 200, RUNGS[i]!.path);
    assert.match(l.headers['content-type'] ?? '', RUNGS[i]!.codec === 'mp3' ? /audio\/mpeg/ : RUNGS[i]!.codec === 'aac' ? /audio\/aac/ : /ogg/);
  });

  // The title, set the way Icecast source clients do.
  const auth = `Basic ${Buffer.from(`source:${bridge.livePassword}`).toString('base64')}`;
  const res = await fetch(`${bridge.streamUrl}/admin/metadata?mount=/live&mode=updinfo&song=${encodeURIComponent(TITLE)}`, { headers: { authorization: auth } });
  assert.equal(res.status, 200);
  await Promise.all(RUNGS.map((r, i) => (r.codec === 'opus' ? undefined : listeners[i]!.waitForTitle(TITLE, 10_000))));

  const waitSeconds = (s: number) => Promise.all(RUNGS.map((r, i) => listeners[i]!.waitForAudioBytes(listeners[i]!.audioByteCount + bytesOf(r, s), 15_000)));
  await waitSeconds(4);

  await first.stop('SIGKILL');
  await waitForMount(bridge, '/live', (m) => m.playing === 'fallback-file');
  await waitSeconds(4);

  const second = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: LIVE_HZ });
  t.after(() => second.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  await waitSeconds(4);

  for (const [i, r] of RUNGS.entries()) {
    const l = listeners[i]!;
    assertOneConnection(l, MAX_GAP_MS);
    assert.deepEqual(await heardTones(r, l), [LIVE_HZ, FALLBACK_HZ, LIVE_HZ], `${r.path}: tones heard in order`);
  }
  // The Opus rung carries the title in its comment header (a new chain when it changes), or as ICY
  // metadata where the bridge keeps Ogg listeners on one chain and sends titles that way.
  const opus = listeners[RUNGS.findIndex((r) => r.codec === 'opus')]!;
  const inTags = Buffer.from(opus.audio).toString('latin1').toLowerCase().includes(`title=${TITLE.toLowerCase()}`);
  assert.ok(inTags || opus.titles.includes(TITLE), `the Opus rung has the title (OpusTags or ICY); ICY titles ${JSON.stringify(opus.titles)}`);
});

/** A PATH on which the bridge finds no ffmpeg (a fresh machine): the node binary is run by absolute path. */
const NO_FFMPEG_PATH = '/nonexistent-aircheck-bin';

test('without a system ffmpeg an MP3 rung runs in WebAssembly: tone, ICY title, fallback and return on one connection', async (t) => {
  const fallback = await toneFile('mp3', FALLBACK_HZ, 8);
  const rung: RungCase = { path: '/live-64.mp3', codec: 'mp3', kbps: 64, demuxer: 'mp3' };
  const bridge = await startBridge({
    configToml: `[[mounts]]\npath = "/live"\n[[mounts.ladder]]\npath = "${rung.path}"\ncodec = "mp3"\nbitrate_kbps = 64\n`,
    env: { AIRCHECK_LIVE_FALLBACK_FILE: fallback, PATH: NO_FFMPEG_PATH },
  });
  t.after(() => bridge.stop());
  await bridge.proc.waitForLine(/"engine":"wasm".*"msg":"ladder ready"/, 1000);

  const first = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: LIVE_HZ });
  t.after(() => first.stop('SIGKILL'));
  await waitForRungAudio(bridge, rung.path);
  const l = await connectListener(bridge.url(rung.path), { icyMetadata: true, tap: true });
  t.after(() => l.close());
  const auth = `Basic ${Buffer.from(`source:${bridge.livePassword}`).toString('base64')}`;
  assert.equal((await fetch(`${bridge.streamUrl}/admin/metadata?mount=/live&mode=updinfo&song=${encodeURIComponent(TITLE)}`, { headers: { authorization: auth } })).status, 200);
  await l.waitForTitle(TITLE, 10_000);
  await l.waitForAudioBytes(l.audioByteCount + bytesOf(rung, 4), 15_000);
  await first.stop('SIGKILL');
  await waitForMount(bridge, '/live', (m) => m.playing === 'fallback-file');
  await l.waitForAudioBytes(l.audioByteCount + bytesOf(rung, 4), 15_000);
  const second = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: LIVE_HZ });
  t.after(() => second.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  await l.waitForAudioBytes(l.audioByteCount + bytesOf(rung, 4), 15_000);

  // The fallback and the source share their MP3 parameters: the one encoder goes on through both
  // switches (no encoder start to wait for), and the rung streams as steadily as any MP3 mount.
  const worst = assertOneConnection(l, MP3_RUNG_MAX_GAP_MS);
  t.diagnostic(`longest pause ${Math.round(worst.gapMs)} ms, ${Math.round(worst.atMs)} ms after the head`);
  const live = (await getJson(`${bridge.streamUrl}/admin/status.json`, { authorization: bridge.adminAuth })).mounts.find((m: any) => m.path === '/live');
  assert.equal(live.ladder.encoderStarts, 1, `one encoder through fallback and return: ${JSON.stringify(live.ladder)}`);
  assert.deepEqual(await heardTones(rung, l), [LIVE_HZ, FALLBACK_HZ, LIVE_HZ], 'tones heard in order');
});

test('without a system ffmpeg an AAC rung stops the start with LADDER_CODEC_UNAVAILABLE naming the rung and the fix', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-ladder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'aircheck.toml');
  writeFileSync(file, '[[mounts]]\npath = "/live"\n[[mounts.ladder]]\npath = "/live.aac"\ncodec = "aac"\nbitrate_kbps = 96\n');
  const main = fileURLToPath(new URL('../../bridge/src/main.ts', import.meta.url));
  const proc = spawnTracked(process.execPath, [main, '--config', file], {
    name: 'aircheck', env: { PATH: NO_FFMPEG_PATH, HOME: process.env.HOME, AIRCHECK_DATA_DIR: dir, AIRCHECK_HOST: '127.0.0.1', AIRCHECK_STREAM_PORT: '0', AIRCHECK_WEB_PORT: '0' },
  });
  t.after(() => proc.stop('SIGKILL', 1000));
  const exit = await Promise.race([proc.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 15_000).unref())]);
  assert.ok(exit !== 'running', `the bridge must not start; output: ${proc.stdout.slice(-500)}`);
  assert.notEqual(exit.code, 0);
  assert.match(proc.stderr, /^aircheck: LADDER_CODEC_UNAVAILABLE: mounts "\/live" ladder rung "\/live\.aac" \(codec = "aac"\): needs a system ffmpeg.*apt-get install ffmpeg/m);
  assert.doesNotMatch(proc.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(proc.stdout, /ready/);
});
