// test-load: browser ~25s
// End to end: the cart wall in Chromium, used as a DJ does. A file the browser cannot decode shows
// "Could not load …", which Dismiss clears and the next good file clears; a WAV tone fired with key 1
// counts down, loops, is not fired by a 1 typed in a field, and is still on the wall after a reload
// (IndexedDB), looping, and plays with key 1 again; holding T is talkover. The DJ names the show;
// /test says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { connectListenerWhenLive } from '../helpers/listener.ts';
import { toneDir, toneFile } from '../helpers/tones.ts';
import { screenshot } from './browser.ts';
import { signIn, studioFixture } from './studio-fixture.ts';

const DJ = { name: 'dj-carts', password: 'cart wall password' };
const CART_SECONDS = 3;

/** Every distinct text the cart's countdown shows until `done` says stop (polled by the page at each frame). */
async function countdownUntil(page: Page, cartName: string, done: string): Promise<string[]> {
  const handle = await page.waitForFunction(({ cartName, done }) => {
    const w = window as unknown as { seen?: string[] };
    w.seen ??= [];
    const app = document.querySelector('studio-app')?.shadowRoot;
    const wall = app?.querySelector('studio-cart-wall')?.shadowRoot;
    const text = wall?.querySelector(`[data-cart="${cartName}"] .remaining`)?.textContent?.trim() ?? '';
    if (text && w.seen.at(-1) !== text) w.seen.push(text);
    if (!(text === done && w.seen.length > 1)) return false;
    const seen = w.seen;
    w.seen = [];
    return seen;
  }, { cartName, done }, { polling: 'raf', timeout: 15_000 });
  return (await handle.jsonValue()) as string[];
}

test('carts: key 1 fires a WAV cart that counts down and loops, survive a reload, and the cart error clears', { timeout: 120_000 }, async (t) => {
  const cart = await toneFile('wav', 440, CART_SECONDS);
  const notAudio = join(toneDir(), 'not-audio.wav');
  writeFileSync(notAudio, 'this is not a WAV file\n');
  const { bridge, page } = await studioFixture(t, { dj: DJ, micWav: await toneFile('wav', 1000, 10) });
  await signIn(page, `${bridge.webUrl}/studio/`, DJ);
  const addFiles = page.getByLabel('Add cart files');
  const cartError = page.getByRole('alert').filter({ hasText: 'Could not load not-audio.wav' });

  // The cart error: shown, dismissed; shown again, then cleared by a file that loads.
  await addFiles.setInputFiles(notAudio);
  await cartError.waitFor();
  await page.getByRole('button', { name: 'Dismiss the cart error' }).click();
  await cartError.waitFor({ state: 'detached' });
  await addFiles.setInputFiles(notAudio);
  await cartError.waitFor();
  await addFiles.setInputFiles(cart);
  const cartName = basename(cart).replace(/\.[^.]+$/, '');
  await page.getByRole('button', { name: `Play ${cartName}` }).waitFor();
  assert.equal(await cartError.count(), 0, 'a cart that loads clears "Could not load …"');

  // A 1 typed into a field is text, not a cart.
  await page.getByLabel('Show name').fill('');
  await page.getByLabel('Show name').press('1');
  assert.equal(await page.getByLabel('Show name').inputValue(), '1');
  assert.equal(await page.getByRole('button', { name: `Stop ${cartName}` }).count(), 0, 'typing 1 in a field fires no cart');

  // Key 1 (focus on the page, not a field): the cart plays and its time left counts down.
  await page.getByRole('heading', { name: 'Cart wall' }).click();
  await page.keyboard.press('1');
  await page.getByRole('button', { name: `Stop ${cartName}` }).waitFor();
  const oncePlayed = await countdownUntil(page, cartName, '0:03');
  assert.deepEqual(oncePlayed.slice(0, 3), ['−0:03', '−0:02', '−0:01'], `the countdown while playing (then ${oncePlayed.slice(3).join(', ')})`);
  await page.getByRole('button', { name: `Play ${cartName}` }).waitFor(); // stopped by itself at its end

  // Loop: fired again with key 1, it starts over at its end (the countdown wraps) until stopped.
  await page.getByRole('button', { name: `Loop ${cartName}` }).click();
  await page.locator(`[aria-label="Loop ${cartName}"][aria-pressed="true"]`).waitFor();
  await page.getByRole('heading', { name: 'Cart wall' }).click();
  await page.keyboard.press('1');
  const looped = await countdownUntil(page, cartName, '−0:03');
  assert.ok(looped.includes('−0:01') && looped.at(-1) === '−0:03', `the looping cart's countdown wrapped: ${looped.join(', ')}`);
  assert.equal(await page.getByRole('button', { name: `Stop ${cartName}` }).count(), 1, 'still playing after its length');
  await screenshot(page, 'studio-carts-looping');
  await page.keyboard.press('1');
  await page.getByRole('button', { name: `Play ${cartName}` }).waitFor();

  // Talkover on a key: on while T is held (the master's Talkover button shows it), off when released.
  await page.keyboard.down('t');
  await page.getByRole('button', { name: 'Talkover', exact: true, pressed: true }).waitFor();
  await page.keyboard.up('t');
  await page.getByRole('button', { name: 'Talkover', exact: true, pressed: false }).waitFor();

  // Reload: the cart is still on the wall, still looping, and key 1 plays it.
  await page.reload();
  await page.getByRole('button', { name: `Play ${cartName}` }).waitFor();
  await page.locator(`[aria-label="Loop ${cartName}"][aria-pressed="true"]`).waitFor();
  await page.getByRole('heading', { name: 'Cart wall' }).click();
  await page.keyboard.press('1');
  await page.getByRole('button', { name: `Stop ${cartName}` }).waitFor();
  const afterReload = await countdownUntil(page, cartName, '−0:01');
  assert.ok(afterReload.length >= 2, `the countdown moves after the reload: ${afterReload.join(', ')}`);
  await page.keyboard.press('1');
  await page.getByRole('button', { name: `Play ${cartName}` }).waitFor();
});

test('the show name and description set in the studio are what /test listeners see', { timeout: 120_000 }, async (t) => {
  const { bridge, page } = await studioFixture(t, { dj: DJ, micWav: await toneFile('wav', 1000, 10) });
  await signIn(page, `${bridge.webUrl}/studio/`, DJ);
  await page.getByLabel('Show name').fill('Cart Night');
  await page.getByLabel('Description').fill('Jingles after dark');
  await page.getByRole('button', { name: 'Save show settings' }).click();
  await page.getByText('Sent when you connect').waitFor();
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('On the stream', { exact: true }).waitFor();
  const preview = await connectListenerWhenLive(`${bridge.url('/test')}?token=${bridge.testToken}`);
  preview.close();
  assert.equal(preview.headers['icy-name'], 'Cart Night');
  assert.equal(preview.headers['icy-description'], 'Jingles after dark');
});
