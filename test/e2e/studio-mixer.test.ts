// test-load: browser ~30s
// End to end: the studio's mixer in Chromium. The fake microphone plays 1000 Hz; a cart (a local
// 440 Hz file) is fired from the cart wall while the microphone is muted, then stopped and the
// microphone unmuted. A listener of the private /test preview hears exactly that: 1000 → 440 → 1000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { decodeAudio, frequencyTimeline, toneSegments } from '../helpers/audio-analysis.ts';
import { connectListenerWhenLive } from '../helpers/listener.ts';
import { splitOggChains } from '../helpers/ogg-chains.ts';
import { toneFile } from '../helpers/tones.ts';
import { screenshot } from './browser.ts';
import { signIn, studioFixture } from './studio-fixture.ts';

const DJ = { name: 'dj-cy', password: 'mixer test password' };
/** About 2.5 s of 128 kbps Opus. */
const STRETCH_BYTES = 40_000;

test('the cart wall and channel mute shape what goes on air: mic → cart → mic', { timeout: 180_000 }, async (t) => {
  const cart = await toneFile('wav', 440, 20);
  const { bridge, page } = await studioFixture(t, { dj: DJ, micWav: await toneFile('wav', 1000, 10) });
  await signIn(page, `${bridge.webUrl}/studio/`, DJ);
  await page.getByRole('combobox', { name: 'Mic 1 mode' }).selectOption('music');
  await page.getByLabel('Add cart files').setInputFiles(cart);
  const cartName = basename(cart).replace(/\.[^.]+$/, ''); // the wall names a cart after its file
  const play = page.getByRole('button', { name: `Play ${cartName}` });
  await play.waitFor();
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('On /test (private preview)').waitFor();

  const preview = await connectListenerWhenLive(`${bridge.url('/test')}?token=${bridge.testToken}`);
  t.after(() => preview.close());
  await preview.waitForAudioBytes(STRETCH_BYTES, 15_000);

  await page.getByRole('button', { name: 'Mute Mic 1' }).click();
  await play.click();
  await page.getByRole('button', { name: `Stop ${cartName}` }).waitFor();
  await screenshot(page, 'studio-mixer-cart-playing');
  await preview.waitForAudioBytes(preview.audioByteCount + STRETCH_BYTES, 15_000);

  await page.getByRole('button', { name: `Stop ${cartName}` }).click();
  await page.getByRole('button', { name: 'Mute Mic 1' }).click();
  await preview.waitForAudioBytes(preview.audioByteCount + STRETCH_BYTES, 15_000);
  preview.close();

  const chains = splitOggChains(preview.audio);
  assert.equal(chains.length, 1, 'one Ogg chain (no title was set)');
  const { samples, sampleRateHz } = await decodeAudio(chains[0]!, { inputFormat: 'ogg' });
  const segments = toneSegments(frequencyTimeline(samples, sampleRateHz, 200), { minDurationS: 1 }).filter((s) => s.frequencyHz !== null);
  const tones = segments.map((s) => Math.round(s.frequencyHz! / 10) * 10);
  assert.deepEqual(tones, [1000, 440, 1000], `heard on /test: ${JSON.stringify(segments.map((s) => [Math.round(s.frequencyHz!), s.startS.toFixed(1), s.endS.toFixed(1)]))}`);
});
