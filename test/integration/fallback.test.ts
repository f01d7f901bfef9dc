// test-load: light ~27s
// Fallback: when a mount's source drops, its listeners keep receiving audio from the fallback on the
// same TCP connection, and get the live audio again when the source returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBridge, waitForMount } from '../helpers/bridge.ts';
import { assertOneConnection, connectListener } from '../helpers/listener.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { toneFile } from '../helpers/tones.ts';
import { decodeAudio, frequencyTimeline, toneSegments } from '../helpers/audio-analysis.ts';
import { splitOggChains } from '../helpers/ogg-chains.ts';

const LIVE_HZ = 1000;
const FALLBACK_HZ = 440;
const MP3_BYTES_PER_S = 16_000;
/** MP3 arrives with every flush (100 ms here; 500 ms is the longest interval the defaults allow). */
const MP3_MAX_GAP_MS = 500;
/** ffmpeg's Ogg pages carry about 1 s of audio each, so writes come a page at a time; around a switch two. */
const OGG_MAX_GAP_MS = 2500;

test('an MP3 listener hears live → fallback file → live again on one connection when the source drops and returns', async (t) => {
  const fallback = await toneFile('mp3', FALLBACK_HZ, 6);
  const bridge = await startBridge({ env: { AIRCHECK_LIVE_FALLBACK_FILE: fallback } });
  t.after(() => bridge.stop());

  const first = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: LIVE_HZ });
  t.after(() => first.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');

  const listener = await connectListener(bridge.url('/live'), { tap: true });
  t.after(() => listener.close());
  assert.equal(listener.statusCode, 200);
  await listener.waitForAudioBytes(5 * MP3_BYTES_PER_S, 15_000);

  // The source drops without a goodbye.
  await first.stop('SIGKILL');
  await waitForMount(bridge, '/live', (m) => m.playing === 'fallback-file');
  const atDrop = listener.audioByteCount;
  await listener.waitForAudioBytes(atDrop + 4 * 12_000, 15_000);

  const second = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: LIVE_HZ });
  t.after(() => second.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  const atReturn = listener.audioByteCount;
  await listener.waitForAudioBytes(atReturn + 4 * MP3_BYTES_PER_S, 15_000);

  assertOneConnection(listener, MP3_MAX_GAP_MS);
  const perSecond = listener.bytesPerSecond().slice(0, -1);
  assert.ok(perSecond.every((b) => b > 0), `audio arrived every second: ${perSecond.join(', ')}`);

  const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: 'mp3' });
  const segments = toneSegments(frequencyTimeline(samples, sampleRateHz, 250), { minDurationS: 1 }).filter((s) => s.frequencyHz !== null);
  const tones = segments.map((s) => Math.round(s.frequencyHz! / 10) * 10);
  assert.deepEqual(tones, [LIVE_HZ, FALLBACK_HZ, LIVE_HZ], `tones heard in order: ${JSON.stringify(segments)}`);
});

test('an Ogg Opus listener hears live → fallback → live again as one logical stream (one serial, no chain change)', async (t) => {
  const fallback = await toneFile('ogg-opus', FALLBACK_HZ, 6);
  const bridge = await startBridge({ env: { AIRCHECK_LIVE_FALLBACK_FILE: fallback } });
  t.after(() => bridge.stop());

  const first = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'ogg-opus', toneHz: LIVE_HZ });
  t.after(() => first.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  const listener = await connectListener(bridge.url('/live'), { tap: true });
  t.after(() => listener.close());
  assert.match(listener.headers['content-type'] ?? '', /ogg/);
  await listener.waitForAudioBytes(3 * 12_000, 15_000);

  await first.stop('SIGKILL');
  await waitForMount(bridge, '/live', (m) => m.playing === 'fallback-file');
  const atDrop = listener.audioByteCount;
  await listener.waitForAudioBytes(atDrop + 20_000, 15_000);

  const second = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'ogg-opus', toneHz: LIVE_HZ });
  t.after(() => second.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  const atReturn = listener.audioByteCount;
  await listener.waitForAudioBytes(atReturn + 3 * 12_000, 15_000);

  assertOneConnection(listener, OGG_MAX_GAP_MS);
  // Re-muxed (listeners/README.md): one chain, so players that stop at a chain change play on.
  assert.equal(splitOggChains(listener.audio).length, 1, 'one logical stream');
  const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: 'ogg' });
  const segments = toneSegments(frequencyTimeline(samples, sampleRateHz, 250), { minDurationS: 1 }).filter((s) => s.frequencyHz !== null);
  const tones = segments.map((s) => Math.round(s.frequencyHz! / 10) * 10);
  assert.deepEqual(tones, [LIVE_HZ, FALLBACK_HZ, LIVE_HZ], `tones heard in order: ${JSON.stringify(segments)}`);
});
