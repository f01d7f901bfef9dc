// test-load: realtime ~45s
// End to end in Firefox (Debian firefox-esr, puppeteer-core over WebDriver BiDi): Firefox has
// WebCodecs AudioEncoder with Opus but no MediaStreamTrackProcessor, so the studio captures the
// master through its AudioWorklet. A DJ signs in, connects (/test, heard in the preview player), goes
// live; listeners of /live (Ogg Opus) and /live.mp3 hear Firefox's fake microphone tone. Every step is
// a click or typing (no autoplay pref). Skipped, with the reason printed, only where firefox-esr or
// pulseaudio is not installed.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
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
import { ARTIFACTS_DIR } from './browser.ts';
import { studioBridge } from './studio-fixture.ts';
import { FIREFOX_FAKE_MIC_HZ, collectFirefoxPageErrors, findByName, firefoxMissing, launchFirefox, startNullSink } from './firefox.ts';

const DJ = { name: 'dj-fox', password: 'correct horse battery' };

/** The share of analysis windows in the last lastS seconds that hold the tone, and those windows. */
async function toneShare(audio: Uint8Array, inputFormat: string, lastS: number): Promise<{ share: number; freqs: (number | null)[] }> {
  const decoded = await decodeAudio(audio, { inputFormat });
  const timeline = frequencyTimeline(decoded.samples, decoded.sampleRateHz, 200).slice(-Math.round(lastS * 5));
  const hits = timeline.filter((w) => w.frequencyHz !== null && Math.abs(w.frequencyHz - FIREFOX_FAKE_MIC_HZ) < 10).length;
  return { share: timeline.length === 0 ? 0 : hits / timeline.length, freqs: timeline.map((w) => w.frequencyHz && Math.round(w.frequencyHz)) };
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) as `${string}.png`, fullPage: true });
}

/** Clicks the button a person would by its name (a real pointer click through WebDriver BiDi). */
async function click(page: Page, name: string): Promise<void> {
  await (await findByName(page, 'button', name)).click();
}

/** Resolves once the page shows `text` (shadow roots included). */
async function seeText(page: Page, text: string): Promise<void> {
  await page.locator(`::-p-text(${text})`).wait();
}

async function firefoxStudio(t: TestContext) {
  const bridge = await studioBridge(t, DJ, 'aircheck-e2e-ff-');
  const browser = await launchFirefox(t, await startNullSink(t));
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  page.setDefaultTimeout(15_000);
  const errors = collectFirefoxPageErrors(page);
  t.after(() => {
    if (errors.length > 0) t.diagnostic(`page console: ${errors.join(' | ')}`);
  });
  return { bridge, page };
}

test('in Firefox a DJ previews on /test and goes live: /live and /live.mp3 carry the microphone tone', { timeout: 120_000, skip: firefoxMissing() ?? false }, async (t) => {
  const { bridge, page } = await firefoxStudio(t);
  try {
    await page.goto(`${bridge.webUrl}/studio/`);
    await (await findByName(page, 'input', 'DJ name')).type(DJ.name);
    await (await findByName(page, 'input', 'Password')).type(DJ.password);
    await click(page, 'Sign in');
    await findByName(page, '[role="meter"]', 'Mic 1 level');
    await (await findByName(page, 'select', 'Mic 1 mode')).select('music');

    await click(page, 'Connect');
    await seeText(page, 'On /test (private preview)');
    const capturePath = await page.evaluate(() => (window as unknown as { aircheckStudio: { encoder: { capturePath: string } | null } }).aircheckStudio.encoder?.capturePath);
    assert.equal(capturePath, 'worklet', 'Firefox has no MediaStreamTrackProcessor: the studio captures through its AudioWorklet');

    await click(page, 'Listen to preview');
    const preview = await page.waitForSelector('>>> audio[aria-label="Preview of /test"]');
    const played = await preview!.evaluate((a: HTMLAudioElement) => new Promise<string>((resolve) => {
      const monitor = (window as unknown as { aircheckStudio: { monitor: { status: string; error: string; requests: number } } }).aircheckStudio.monitor;
      const timer = setTimeout(() => resolve(`not playing: monitor ${monitor.status} (${monitor.error}) after ${monitor.requests} requests; src=${a.src} error=${a.error?.message ?? a.error?.code} readyState=${a.readyState} currentTime=${a.currentTime}`), 15_000);
      const check = (): void => {
        if (a.currentTime >= 1) {
          clearTimeout(timer);
          resolve('playing');
        }
      };
      a.addEventListener('timeupdate', check);
      check();
    }));
    assert.equal(played, 'playing', 'the preview player plays /test in Firefox');
    await shot(page, 'studio-firefox-on-test');
    await click(page, 'Stop preview');

    await click(page, 'Go live');
    await page.locator('::-p-text(ON AIR)').wait();
    await waitForMount(bridge, '/live', (m) => m.playing === 'source'); // the studio's push, not the fallback
    const ogg = await connectListenerWhenLive(bridge.url('/live'));
    t.after(() => ogg.close());
    const mp3 = await connectListenerWhenLive(bridge.url('/live.mp3'));
    t.after(() => mp3.close());
    await new Promise((r) => setTimeout(r, 4000)); // four seconds of the show to analyse
    await shot(page, 'studio-firefox-on-air');

    const oggTone = await toneShare(lastOggChain(ogg.audio), 'ogg', 2);
    assert.ok(oggTone.share > 0.8, `/live (Ogg Opus) carries ${FIREFOX_FAKE_MIC_HZ} Hz: last windows ${oggTone.freqs.join(', ')}`);
    const mp3Tone = await toneShare(mp3.audio, 'mp3', 2);
    assert.ok(mp3Tone.share > 0.8, `/live.mp3 carries ${FIREFOX_FAKE_MIC_HZ} Hz: last windows ${mp3Tone.freqs.join(', ')}`);

    await click(page, 'End show');
    await click(page, 'End the show'); // the confirmation
    await seeText(page, 'The show has ended.');
  } catch (err) {
    await shot(page, 'studio-firefox-failure').catch(() => undefined);
    throw err;
  }
});
