// Launches Debian's firefox-esr headless through puppeteer-core over WebDriver BiDi for the e2e tests
// (Playwright cannot drive a stock Firefox), with Firefox's own fake microphone (a 1000 Hz sine at
// about −20 dBFS, mono) and a PulseAudio null sink as its audio output: headless Firefox with no
// output device never resolves AudioContext.resume() (FACTS.md). The sink's daemon is private to the
// test (its own socket in a temporary directory) and stopped by its PID. No autoplay pref: the test
// clicks like a person, so a missing user gesture fails as it would for a DJ.
import type { TestContext } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { spawnTracked } from '../helpers/processes.ts';

export const FIREFOX_PATH = '/usr/bin/firefox-esr';
export const PULSEAUDIO_PATH = '/usr/bin/pulseaudio';
/** What `media.navigator.streams.fake` puts on every getUserMedia audio track (measured: FACTS.md). */
export const FIREFOX_FAKE_MIC_HZ = 1000;

/** Why this machine cannot run the Firefox tests, or null when it can. */
export function firefoxMissing(): string | null {
  const missing = [FIREFOX_PATH, PULSEAUDIO_PATH].filter((p) => !existsSync(p));
  return missing.length === 0 ? null : `${missing.join(' and ')} missing: run scripts/setup-test-env.sh (installs Debian firefox-esr and pulseaudio)`;
}

/** Starts a private PulseAudio daemon with a null sink; resolves with its server address. */
export async function startNullSink(t: TestContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-pulse-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'native');
  const pulse = spawnTracked(PULSEAUDIO_PATH, [
    '--daemonize=no', '--system=no', '--use-pid-file=no', '--exit-idle-time=-1', '-n',
    '--log-target=stderr', '--log-level=info',
    '--load=module-null-sink sink_name=aircheck_null',
    `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
  ], { name: 'pulseaudio', env: { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, PULSE_RUNTIME_PATH: dir } });
  t.after(() => pulse.stop());
  await pulse.waitForLine(/Daemon startup complete/, 10_000, 'stderr');
  return `unix:${socket}`;
}

/** Firefox with the fake microphone, playing into the given PulseAudio server; closed by the test. */
export async function launchFirefox(t: TestContext, pulseServer: string): Promise<Browser> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    env: { ...process.env, PULSE_SERVER: pulseServer },
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
    },
  });
  t.after(() => browser.close());
  return browser;
}

/** Collects the page's console errors and uncaught exceptions, for failure messages. */
export function collectFirefoxPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warn') errors.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${(err as Error).message}`));
  return errors;
}

/**
 * The visible, enabled element matching `css` whose accessible name (aria-label, else its label's text, else
 * its own text) is `name`, searched through every shadow root; waits for it. Firefox's WebDriver BiDi
 * accessibility locator (puppeteer's `::-p-aria`) does not see inside shadow roots, so the studio's
 * Lit elements are searched here the way a person reads the page.
 */
export async function findByName(page: Page, css: string, name: string): Promise<ElementHandle<Element>> {
  const handle = await page.waitForFunction((selector: string, wanted: string) => {
    const nameOf = (el: Element): string => {
      const aria = el.getAttribute('aria-label');
      if (aria) return aria.trim();
      const label = (el as HTMLInputElement).labels?.[0];
      if (label) return [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim();
      return (el.textContent ?? '').trim();
    };
    const walk = (root: Document | ShadowRoot): Element | null => {
      for (const el of root.querySelectorAll('*')) {
        if (el.matches(selector) && nameOf(el) === wanted && (el as HTMLElement).offsetParent !== null && !(el as HTMLButtonElement).disabled) return el;
        if (el.shadowRoot) {
          const found = walk(el.shadowRoot);
          if (found) return found;
        }
      }
      return null;
    };
    return walk(document);
  }, { polling: 100 }, css, name);
  return handle as ElementHandle<Element>;
}
