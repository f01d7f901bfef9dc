// Drives WebKitGTK's MiniBrowser (Debian webkit2gtk-driver: WebKitWebDriver, classic W3C WebDriver
// over HTTP) on a private Xvfb display for the e2e tests, with WebKit's mock capture devices as the
// microphone. No WebDriver client package: the few commands used are plain fetch calls. Both
// processes are stopped by PID when the test ends.
import type { TestContext } from 'node:test';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawnTracked } from '../helpers/processes.ts';

export const WEBKIT_DRIVER_PATH = '/usr/bin/WebKitWebDriver';
export const XVFB_PATH = '/usr/bin/Xvfb';
export const MINIBROWSER_PATH = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Why this machine cannot run the WebKit tests, or null when it can. */
export function webkitMissing(): string | null {
  const missing = [WEBKIT_DRIVER_PATH, XVFB_PATH, MINIBROWSER_PATH].filter((p) => !existsSync(p));
  return missing.length === 0 ? null : `${missing.join(' and ')} missing: run scripts/setup-test-env.sh (installs Debian webkit2gtk-driver and xvfb)`;
}

type ElementRef = Record<string, string>;

export interface WebKitSession {
  goto(url: string): Promise<void>;
  /** Runs a function body in the page (arguments in `arguments`), returns its JSON value. */
  execute<T>(script: string, args?: unknown[]): Promise<T>;
  /** The visible, enabled element matching css whose accessible name is name (shadow roots searched); waits. */
  find(css: string, name: string, timeoutMs?: number): Promise<ElementRef>;
  /** WebDriver Element Click: scrolled into view and clicked with the pointer. */
  click(el: ElementRef): Promise<void>;
  /** WebDriver Element Send Keys: focused and typed into. */
  type(el: ElementRef, text: string): Promise<void>;
}

// The same reading of a name as test/e2e/firefox.ts' findByName (aria-label, else label text, else text).
const FIND_SCRIPT = `const [selector, wanted] = arguments;
const nameOf = (el) => { const aria = el.getAttribute('aria-label'); if (aria) return aria.trim();
  const label = el.labels && el.labels[0];
  if (label) return [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim();
  return (el.textContent || '').trim(); };
const walk = (root) => { for (const el of root.querySelectorAll('*')) {
  if (el.matches(selector) && nameOf(el) === wanted && el.offsetParent !== null && !el.disabled) return el;
  if (el.shadowRoot) { const found = walk(el.shadowRoot); if (found) return found; } } return null; };
return walk(document);`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Xvfb + WebKitWebDriver + one MiniBrowser session with mock capture devices; all gone after the test. */
export async function startWebKit(t: TestContext): Promise<WebKitSession> {
  const xvfb = spawnTracked(XVFB_PATH, ['-displayfd', '1', '-screen', '0', '1280x1000x24', '-nolisten', 'tcp'], { name: 'Xvfb' });
  t.after(() => xvfb.stop());
  const [display] = await xvfb.waitForLine(/^\d+$/, 10_000, 'stdout');
  const port = await freePort();
  const driver = spawnTracked(WEBKIT_DRIVER_PATH, [`--port=${port}`], {
    name: 'WebKitWebDriver',
    // Running as root in CI: WebKit's bubblewrap sandbox cannot start, so it is off for this browser.
    env: { ...process.env, DISPLAY: `:${display}`, WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS: '1' },
  });
  t.after(() => driver.stop());
  const base = `http://127.0.0.1:${port}`;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as { value: T & { error?: string; message?: string } };
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error} ${json.value?.message}`);
    return json.value;
  };
  // The driver listens a moment after it starts; it announces nothing, so its /status is polled.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ready = await call<{ ready: boolean }>('GET', '/status').then((s) => s.ready, () => false);
    if (ready) break;
    if (Date.now() > deadline || driver.hasExited) throw new Error(`WebKitWebDriver did not come up on port ${port}: ${driver.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const { sessionId } = await call<{ sessionId: string }>('POST', '/session', {
    capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation', '--enable-media-stream=true', '--enable-mock-capture-devices=true'] } } },
  });
  t.after(() => call('DELETE', `/session/${sessionId}`).then(() => undefined, () => undefined)); // the driver's stop ends it anyway
  const s = `/session/${sessionId}`;
  const idOf = (el: ElementRef): string => Object.values(el)[0] as string;
  return {
    goto: async (url) => {
      await call('POST', `${s}/url`, { url });
    },
    execute: (script, args = []) => call('POST', `${s}/execute/sync`, { script, args }),
    find: async (css, name, timeoutMs = 15_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const el = await call<ElementRef | null>('POST', `${s}/execute/sync`, { script: FIND_SCRIPT, args: [css, name] });
        if (el && Object.keys(el).length > 0) return el;
        if (Date.now() > until) throw new Error(`WebKit: no visible, enabled ${css} named "${name}" in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    click: async (el) => {
      await call('POST', `${s}/element/${idOf(el)}/click`, {});
    },
    type: async (el, text) => {
      await call('POST', `${s}/element/${idOf(el)}/value`, { text });
    },
  };
}
