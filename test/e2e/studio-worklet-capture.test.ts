// End to end in Chromium with the studio's fallback capture forced (`/studio/?capture=worklet`): the
// master reaches the encoder through the AudioWorklet (as in Firefox and Safari) instead of
// MediaStreamTrackProcessor, and the bridge gets the same codec config as from the default path
// (the 19-byte OpusHead, 20 ms frames); listeners of /live hear the fake microphone's tone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAudio, frequencyTimeline } from '../helpers/audio-analysis.ts';
import { waitForMount } from '../helpers/bridge.ts';
import { connectListenerWhenLive } from '../helpers/listener.ts';
import { splitOggChains } from '../helpers/ogg-chains.ts';

/** The studio's Ogg chain: a listener that joined during the fallback loop got its bytes first. */
function lastOggChain(audio: Uint8Array): Uint8Array {
  const start = Buffer.from(audio).indexOf('OggS');
  assert.ok(start >= 0, `the /live listener got no Ogg page in ${audio.length} bytes`);
  return splitOggChains(audio.subarray(start)).at(-1) as Uint8Array;
}
import { toneFile } from '../helpers/tones.ts';
import { screenshot } from './browser.ts';
import { signIn, studioFixture } from './studio-fixture.ts';

const DJ = { name: 'dj-worklet', password: 'correct horse battery' };
const TONE_HZ = 660;
/** Chromium's AudioEncoder OpusHead for 48 kHz stereo (PROTOCOL.md §3): the worklet path must send the same. */
const CHROMIUM_OPUS_HEAD = 'T3B1c0hlYWQBAjgBgLsAAAAAAA==';

test('with ?capture=worklet Chromium broadcasts through the AudioWorklet capture: same codec config, the tone on /live', { timeout: 120_000 }, async (t) => {
  const { bridge, page } = await studioFixture(t, { dj: DJ, micWav: await toneFile('wav', TONE_HZ, 10) });
  try {
    await signIn(page, `${bridge.webUrl}/studio/?capture=worklet`, DJ);
    await page.getByRole('meter', { name: 'Mic 1 level' }).waitFor();
    await page.getByRole('combobox', { name: 'Mic 1 mode' }).selectOption('music');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('On /test (private preview)').waitFor();
    const wire = await page.evaluate(async () => {
      const encoder = (window as unknown as { aircheckStudio: { encoder: { capturePath: string; codec: Promise<{ opusHead: string; frameDurationUs: number; sampleRateHz: number; channels: number }> } } }).aircheckStudio.encoder;
      return { path: encoder.capturePath, codec: await encoder.codec };
    });
    assert.equal(wire.path, 'worklet', 'the studio URL asked for the AudioWorklet capture');
    assert.deepEqual({ ...wire.codec, opusHead: wire.codec.opusHead, frameDurationUs: wire.codec.frameDurationUs },
      { ...wire.codec, opusHead: CHROMIUM_OPUS_HEAD, frameDurationUs: 20_000, sampleRateHz: 48_000, channels: 2 });

    await page.getByRole('button', { name: 'Go live' }).click();
    await page.getByText('ON AIR', { exact: true }).waitFor();
    await waitForMount(bridge, '/live', (m) => m.playing === 'source'); // the studio's push, not the fallback
    const ogg = await connectListenerWhenLive(bridge.url('/live'));
    t.after(() => ogg.close());
    await new Promise((r) => setTimeout(r, 4000)); // four seconds of the show to analyse
    await screenshot(page, 'studio-worklet-on-air');

    const decoded = await decodeAudio(lastOggChain(ogg.audio), { inputFormat: 'ogg' });
    const windows = frequencyTimeline(decoded.samples, decoded.sampleRateHz, 200).slice(-10);
    const hits = windows.filter((w) => w.frequencyHz !== null && Math.abs(w.frequencyHz - TONE_HZ) < 10).length;
    assert.ok(windows.length === 10 && hits / windows.length > 0.8, `/live carries ${TONE_HZ} Hz: last windows ${windows.map((w) => w.frequencyHz && Math.round(w.frequencyHz)).join(', ')}`);
  } catch (err) {
    await screenshot(page, 'studio-worklet-failure').catch(() => undefined);
    throw err;
  }
});
