// End to end in WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver, on Xvfb): WebKit has
// WebCodecs AudioEncoder with Opus but no MediaStreamTrackProcessor, like Safari, so the studio
// captures through its AudioWorklet. A DJ signs in, connects, goes live; a /live listener hears
// WebKit's mock microphone: a steady 150 Hz hum (with short 500 / 1500 Hz "bip-bop" bursts now and
// then, which the assertion does not rely on). Skipped, with the reason printed, only where webkit2gtk-driver or xvfb is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAudio, frequencyTimeline } from '../helpers/audio-analysis.ts';
import { waitForMount } from '../helpers/bridge.ts';
import { connectListenerWhenLive } from '../helpers/listener.ts';
import { splitOggChains } from '../helpers/ogg-chains.ts';
import { studioBridge } from './studio-fixture.ts';
import { startWebKit, webkitMissing } from './webkit.ts';

const DJ = { name: 'dj-webkit', password: 'correct horse battery' };
/** WebKit's mock microphone (MockAudioSharedUnit): its steady hum (measured here). */
const HUM_HZ = 150;

test('in WebKit a DJ connects and goes live through the AudioWorklet capture: /live carries the mock microphone', { timeout: 120_000, skip: webkitMissing() ?? false }, async (t) => {
  const bridge = await studioBridge(t, DJ, 'aircheck-e2e-wk-');
  const wk = await startWebKit(t);

  await wk.goto(`${bridge.webUrl}/studio/`);
  await wk.type(await wk.find('input', 'DJ name'), DJ.name);
  await wk.type(await wk.find('input', 'Password'), DJ.password);
  await wk.click(await wk.find('button', 'Sign in'));
  await wk.find('[role="meter"]', 'Mic 1 level');
  await wk.click(await wk.find('button', 'Connect'));
  await wk.find('button', 'Go live');
  const encoder = await wk.execute<{ path: string; opusHead: string; frameDurationUs: number }>(
    'const done = window.aircheckStudio.encoder; return done.codec.then((c) => ({ path: done.capturePath, opusHead: c.opusHead, frameDurationUs: c.frameDurationUs }));');
  assert.deepEqual(encoder, { path: 'worklet', opusHead: 'T3B1c0hlYWQBAjgBgLsAAAAAAA==', frameDurationUs: 20_000 }, 'WebKit has no MediaStreamTrackProcessor: the AudioWorklet capture, same codec config as Chromium');

  await wk.click(await wk.find('button', 'Go live'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source'); // the studio's push, not the fallback
  const ogg = await connectListenerWhenLive(bridge.url('/live'));
  t.after(() => ogg.close());
  await new Promise((r) => setTimeout(r, 4000)); // four seconds of the show to analyse

  const start = Buffer.from(ogg.audio).indexOf('OggS'); // a listener that joined during the fallback got its bytes first
  assert.ok(start >= 0, `the /live listener got no Ogg page in ${ogg.audio.length} bytes`);
  const decoded = await decodeAudio(splitOggChains(ogg.audio.subarray(start)).at(-1) as Uint8Array, { inputFormat: 'ogg' });
  const freqs = frequencyTimeline(decoded.samples, decoded.sampleRateHz, 200).slice(-15).map((w) => w.frequencyHz);
  const near = (hz: number) => freqs.filter((f) => f !== null && Math.abs(f - hz) < 10).length;
  const shown = freqs.map((f) => f && Math.round(f)).join(', ');
  assert.equal(freqs.length, 15, `3 s of /live audio: ${shown}`);
  assert.ok(near(HUM_HZ) >= 10, `/live carries the mock microphone's ${HUM_HZ} Hz hum: last windows ${shown}`);
});
