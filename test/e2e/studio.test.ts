// End to end: a DJ signs in to the real studio (Chromium, fake microphone playing 1000 Hz) served by
// the real bridge, connects (private /test, heard in the preview player), goes live, and sets the
// title; listeners of /live (Ogg Opus) and /live.mp3 hear the tone, the MP3 stream's ICY metadata
// and the status JSON carry the title. Screenshots go to test-artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAudio, frequencyTimeline } from '../helpers/audio-analysis.ts';
import { getJson } from '../helpers/bridge.ts';
import { connectListenerWhenLive } from '../helpers/listener.ts';
import { splitOggChains } from '../helpers/ogg-chains.ts';
import { toneFile } from '../helpers/tones.ts';
import { screenshot } from './browser.ts';
import { endShow, signIn, studioFixture } from './studio-fixture.ts';

const DJ = { name: 'dj-ann', password: 'correct horse battery' };
const TONE_HZ = 1000;

/** The share of analysis windows in the last part of the audio that hold the tone. */
async function toneShare(audio: Uint8Array, inputFormat: string, lastS: number): Promise<{ share: number; freqs: (number | null)[] }> {
  const decoded = await decodeAudio(audio, { inputFormat });
  const timeline = frequencyTimeline(decoded.samples, decoded.sampleRateHz, 200).slice(-Math.round(lastS * 5));
  const hits = timeline.filter((w) => w.frequencyHz !== null && Math.abs(w.frequencyHz - TONE_HZ) < 10).length;
  return { share: timeline.length === 0 ? 0 : hits / timeline.length, freqs: timeline.map((w) => w.frequencyHz && Math.round(w.frequencyHz)) };
}

test('a DJ broadcasts from the studio: preview on /test, then live on /live and /live.mp3 with the title', { timeout: 180_000 }, async (t) => {
  const { bridge, page } = await studioFixture(t, { dj: DJ, micWav: await toneFile('wav', TONE_HZ, 10) });

  try {
    await signIn(page, `${bridge.webUrl}/studio/`, DJ);
    await page.getByRole('meter', { name: 'Mic 1 level' }).waitFor();
    await page.getByRole('combobox', { name: 'Mic 1 mode' }).selectOption('music'); // the tone at full level
    await screenshot(page, 'studio-e2e-signed-in');

    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('On /test (private preview)').waitFor();
    assert.equal(await page.getByText('ON AIR', { exact: true }).count(), 0, 'not on air while on /test');
    await page.getByRole('button', { name: 'Listen to preview' }).click();
    const preview = page.locator('audio[aria-label="Preview of /test"]');
    const deadline = Date.now() + 15_000;
    while ((await preview.evaluate((a: HTMLAudioElement) => a.currentTime)) < 1) {
      assert.ok(Date.now() < deadline, `the preview player did not play /test: ${await preview.evaluate((a: HTMLAudioElement) => `${a.src} error=${a.error?.message ?? a.error?.code} readyState=${a.readyState}`)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await screenshot(page, 'studio-e2e-on-test');
    await page.getByRole('button', { name: 'Stop preview' }).click();

    await page.getByRole('button', { name: 'Go live' }).click();
    await page.getByText('ON AIR', { exact: true }).waitFor();
    await page.getByLabel('Artist').fill('Nina Simone');
    await page.getByLabel('Title').fill('Sinnerman');
    await page.getByRole('button', { name: 'Set now playing' }).click();
    await page.getByText('(on the stream)').waitFor();

    const ogg = await connectListenerWhenLive(bridge.url('/live'));
    t.after(() => ogg.close());
    const mp3 = await connectListenerWhenLive(bridge.url('/live.mp3'), { icyMetadata: true });
    t.after(() => mp3.close());
    await mp3.waitForTitle(/Sinnerman/, 15_000);
    await new Promise((r) => setTimeout(r, 4000));
    await screenshot(page, 'studio-e2e-on-air');

    const chains = splitOggChains(ogg.audio);
    const oggTone = await toneShare(chains.at(-1) ?? ogg.audio, 'ogg', 2);
    assert.ok(oggTone.share > 0.8, `/live (Ogg Opus) carries ${TONE_HZ} Hz: last windows ${oggTone.freqs.join(', ')}`);
    const mp3Tone = await toneShare(mp3.audio, 'mp3', 2);
    assert.ok(mp3Tone.share > 0.8, `/live.mp3 carries ${TONE_HZ} Hz: last windows ${mp3Tone.freqs.join(', ')}`);
    assert.ok(mp3.titles.some((title) => /Nina Simone/.test(title) && /Sinnerman/.test(title)), `ICY titles: ${mp3.titles.join(' | ')}`);

    const status = await getJson(`${bridge.webUrl}/status.json`);
    const live = status.mounts.find((m: { path: string }) => m.path === '/live');
    assert.match(JSON.stringify(live), /Sinnerman/, `status.json /live: ${JSON.stringify(live)}`);

    await endShow(page); // End show, confirmed in its dialog
    await page.getByText('The show has ended.').waitFor();
    assert.equal(await page.getByText('ON AIR', { exact: true }).count(), 0);
    await screenshot(page, 'studio-e2e-ended');
  } catch (err) {
    await screenshot(page, 'studio-e2e-failure').catch(() => undefined);
    throw err;
  }
});
