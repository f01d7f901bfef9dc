// test-load: browser ~30s
// End to end: the studio's meters in Chromium. The fake microphone plays a 1000 Hz sine at an exact
// peak level (generated with sox); Mic 1 in music/line mode (no echo cancellation, no AGC) at 0 dB
// gain. A −25 dBFS tone lights only green on Mic 1's meter; a −3 dBFS tone lights red. The test
// reads what the page renders: which coloured segment is actually hit at each pixel of the lit bar.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { ARTIFACTS_DIR, screenshot } from './browser.ts';
import { signIn, studioFixture } from './studio-fixture.ts';

const DJ = { name: 'dj-meter', password: 'meter test password' };
const GREEN = 'rgb(47, 191, 113)';
const YELLOW = 'rgb(224, 195, 65)';
const RED = 'rgb(229, 72, 77)';

/** A 48 kHz stereo 16-bit WAV of a 1000 Hz sine whose peak is exactly `db` dBFS (no dither). */
async function sineAt(t: TestContext, db: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-meter-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, `sine-1000hz-${db}dbfs.wav`);
  await promisify(execFile)('sox', ['-D', '-n', '-r', '48000', '-c', '2', '-b', '16', file, 'synth', '30', 'sine', '1000', 'vol', `${db}dB`]);
  return file;
}

interface RenderedMeter {
  /** The colours of the lit segments hit along the track, left to right, deduplicated. */
  litColours: string[];
  /** The colour hit just left of the level's position on the scale. */
  colourAtLevel: string;
  /** Whether that pixel is in the lit layer (not the dim, unlit track). */
  litAtLevel: boolean;
  /** Whether the pixel just right of the level is unlit (the bar ends at the level). */
  unlitAfterLevel: boolean;
  /** Where each lit colour starts, in pixels from the track's left edge, and the track's width. */
  starts: Record<string, number>;
  trackWidth: number;
  zone: string | undefined;
}

/** Hit-tests Mic 1's meter along its track, pixel by pixel, as rendered. */
async function renderedMeter(page: Page, levelDb: number): Promise<RenderedMeter> {
  const meter = page.getByRole('meter', { name: 'Mic 1 level' });
  return meter.evaluate((el, levelPosition) => {
    const root = el.getRootNode() as ShadowRoot;
    const track = root.querySelector('.track')!.getBoundingClientRect();
    const y = track.top + track.height / 2;
    const hit = (x: number) => {
      const e = root.elementFromPoint(x, y) as HTMLElement | null;
      const lit = e?.closest('.lit') != null;
      return { lit, colour: e ? getComputedStyle(e).backgroundColor : '' };
    };
    const litColours: string[] = [];
    const starts: Record<string, number> = {};
    for (let x = Math.ceil(track.left) + 1; x < track.right - 1; x++) {
      const h = hit(x);
      if (h.lit && litColours.at(-1) !== h.colour) {
        litColours.push(h.colour);
        starts[h.colour] = x - track.left;
      }
    }
    const xLevel = track.left + track.width * levelPosition;
    const atLevel = hit(xLevel - 3);
    return {
      litColours,
      colourAtLevel: atLevel.colour,
      litAtLevel: atLevel.lit,
      unlitAfterLevel: !hit(xLevel + 3).lit,
      starts,
      trackWidth: track.width,
      zone: (root.host as HTMLElement).dataset['zone'],
    };
  }, (levelDb + 60) / 60);
}

async function meterFedWith(t: TestContext, db: number): Promise<RenderedMeter> {
  const { bridge, page } = await studioFixture(t, { dj: DJ, micWav: await sineAt(t, db) });
  await signIn(page, `${bridge.webUrl}/studio/`, DJ);
  await page.getByRole('combobox', { name: 'Mic 1 mode' }).selectOption('music');
  const meter = page.getByRole('meter', { name: 'Mic 1 level' });
  // The meter reads the tone's level: its peak, rounded to the dB, is the level of the file.
  await page.waitForFunction((want) => {
    const find = (root: Document | ShadowRoot): Element | null => {
      const direct = root.querySelector(`[role=meter][aria-label="Mic 1 level"]`);
      if (direct) return direct;
      for (const e of root.querySelectorAll('*')) if (e.shadowRoot) { const f = find(e.shadowRoot); if (f) return f; }
      return null;
    };
    return find(document)?.getAttribute('aria-valuenow') === String(want);
  }, db, { timeout: 15_000 });
  const rendered = await renderedMeter(page, db);
  await screenshot(page, `studio-meters-${-db}dbfs`);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await meter.screenshot({ path: join(ARTIFACTS_DIR, `studio-meter-mic1-${-db}dbfs.png`) });
  return rendered;
}

test('a −25 dBFS tone lights the meter green only, up to −25 on the scale', { timeout: 120_000 }, async (t) => {
  const m = await meterFedWith(t, -25);
  assert.deepEqual(m.litColours, [GREEN], 'only green is lit');
  assert.equal(m.colourAtLevel, GREEN);
  assert.ok(m.litAtLevel && m.unlitAfterLevel, `the bar ends at −25 dBFS on the scale: ${JSON.stringify(m)}`);
  assert.equal(m.zone, 'green');
});

test('a −3 dBFS tone lights red, from −6 dBFS on the fixed scale', { timeout: 120_000 }, async (t) => {
  const m = await meterFedWith(t, -3);
  assert.deepEqual(m.litColours, [GREEN, YELLOW, RED], 'green, yellow and red are lit, in order');
  assert.equal(m.colourAtLevel, RED);
  // The colours belong to the scale, not to the bar: yellow starts at −18 dBFS, red at −6 dBFS.
  // Within 2.5 px: a zone edge is anti-aliased over a pixel or two (seen 306 for 304.4 in a clean
  // clone), and 2.5 px is under half a dB on this ~340 px, 60 dB scale.
  const EDGE_PX = 2.5;
  assert.ok(Math.abs(m.starts[YELLOW]! - 0.7 * m.trackWidth) <= EDGE_PX, `yellow starts at ${m.starts[YELLOW]} of ${m.trackWidth} px`);
  assert.ok(Math.abs(m.starts[RED]! - 0.9 * m.trackWidth) <= EDGE_PX, `red starts at ${m.starts[RED]} of ${m.trackWidth} px`);
  assert.ok(m.litAtLevel && m.unlitAfterLevel, `the bar ends at −3 dBFS on the scale: ${JSON.stringify(m)}`);
  assert.equal(m.zone, 'red');
});
