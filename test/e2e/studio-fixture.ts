// The common set-up of the studio e2e tests: a DJ account, a real bridge on that data directory,
// Chromium with a fake microphone, and a page whose console problems are reported with the test.
// Everything is torn down by the test context.
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { getJson, startBridge, type RunningBridge } from '../helpers/bridge.ts';
import { addDj } from '../helpers/dj.ts';
import { buildStudio, collectPageErrors, launchChromium } from './browser.ts';

export interface StudioFixture {
  bridge: RunningBridge;
  browser: Browser;
  page: Page;
}

/**
 * The studio built, and a bridge on a new data directory holding the DJ's account (for tests that
 * drive another browser than Chromium); after the test the bridge stops writing, then the directory goes.
 */
export async function studioBridge(t: TestContext, dj: { name: string; password: string }, prefix: string): Promise<RunningBridge> {
  await buildStudio();
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  let bridge: RunningBridge | null = null;
  t.after(async () => { // after hooks run in the order added: the bridge stops writing first
    await bridge?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await addDj(dataDir, dj.name, dj.password);
  bridge = await startBridge({ dataDir });
  return bridge;
}

/** autoplayFlag: false launches Chromium without --autoplay-policy (see launchChromium). */
export async function studioFixture(t: TestContext, opts: { dj: { name: string; password: string }; micWav: string; autoplayFlag?: boolean }): Promise<StudioFixture> {
  await buildStudio();
  const dataDir = mkdtempSync(join(tmpdir(), 'aircheck-e2e-'));
  let bridge: RunningBridge | null = null;
  t.after(async () => { // after hooks run in the order added: the bridge stops writing before its directory goes
    await bridge?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await addDj(dataDir, opts.dj.name, opts.dj.password);
  bridge = await startBridge({ dataDir });
  const browser = await launchChromium(opts.micWav, { autoplayFlag: opts.autoplayFlag });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(15_000);
  const errors = collectPageErrors(page);
  t.after(() => {
    if (errors.length > 0) t.diagnostic(`page console: ${errors.join(' | ')}`);
  });
  return { bridge, browser, page };
}

/** Signs in on the studio page at `url`, as a DJ would. */
export async function signIn(page: Page, url: string, dj: { name: string; password: string }): Promise<void> {
  await page.goto(url);
  await page.getByLabel('DJ name').fill(dj.name);
  await page.getByLabel('Password').fill(dj.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Ends the show as a DJ does: End show in the header, then "End the show" in the confirmation dialog. */
export async function endShow(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'End show', exact: true }).click();
  await page.getByRole('dialog', { name: 'End the show?' }).getByRole('button', { name: 'End the show' }).click();
}

/**
 * The bridge's view of the DJ's studio session (admin status.json): while the show runs it is among
 * the sessions; with `ended`, once over, the latest of the DJ's recently ended shows.
 */
export async function studioSession(bridge: RunningBridge, dj: string, ended = false): Promise<any> {
  const status = await getJson(`${bridge.streamUrl}/admin/status.json`, { authorization: bridge.adminAuth });
  const live = status.studio.sessions.find((s: any) => s.dj === dj);
  return ended ? live ?? status.studio.ended.findLast((s: any) => s.dj === dj) : live;
}

/** Polls the bridge's view of the DJ's session (no event reaches the test from inside the bridge) until `predicate` holds. */
export async function waitForStudioSession(bridge: RunningBridge, dj: string, predicate: (s: any) => boolean, what: string, opts: { timeoutMs: number; ended?: boolean }): Promise<any> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = await studioSession(bridge, dj, opts.ended);
    if (last && predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not reached in ${opts.timeoutMs} ms; last session status ${JSON.stringify(last)}`);
}
