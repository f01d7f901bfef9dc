// The common set-up of the studio e2e tests: a DJ account, a real bridge on that data directory,
// Chromium with a fake microphone, and a page whose console problems are reported with the test.
// Everything is torn down by the test context.
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startBridge, type RunningBridge } from '../helpers/bridge.ts';
import { addDj } from '../helpers/dj.ts';
import { buildStudio, collectPageErrors, launchChromium } from './browser.ts';

export interface StudioFixture {
  bridge: RunningBridge;
  browser: Browser;
  page: Page;
}

export async function studioFixture(t: TestContext, opts: { dj: { name: string; password: string }; micWav: string }): Promise<StudioFixture> {
  await buildStudio();
  const dataDir = mkdtempSync(join(tmpdir(), 'aircheck-e2e-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  await addDj(dataDir, opts.dj.name, opts.dj.password);
  const bridge = await startBridge({ dataDir });
  t.after(() => bridge.stop());
  const browser = await launchChromium(opts.micWav);
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
