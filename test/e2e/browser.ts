// Launches Debian's Chromium headless through playwright-core for the e2e tests and benchmarks, with
// a fake microphone that loops a WAV file (FACTS.md: flags that work headless as root; no autoplay
// flag unless asked: tests click like a person), and builds
// the web apps (studio, console, station page; vite) when their sources changed, one process at a
// time, so tests serve the current code.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const STUDIO_DIST = join(REPO_ROOT, 'dist', 'studio');
export const CONSOLE_DIST = join(REPO_ROOT, 'dist', 'console');
export const STATION_DIST = join(REPO_ROOT, 'dist', 'station');
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');

/**
 * env: extra environment (e.g. HOME with an NSS db trusting a test CA); args: extra flags;
 * autoplayFlag: true adds --autoplay-policy=no-user-gesture-required, only for a page no person
 * clicks (the benchmark's listener page); the studio tests click like a person, so audio that needs
 * a user gesture gets one or the test fails.
 */
export async function launchChromium(fakeMicWav: string, extra: { env?: Record<string, string>; args?: string[]; autoplayFlag?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: run scripts/setup-test-env.sh (installs Debian chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(extra.autoplayFlag === true ? ['--autoplay-policy=no-user-gesture-required'] : []),
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${fakeMicWav}`,
      ...(extra.args ?? []),
    ],
    ...(extra.env ? { env: { ...process.env, ...extra.env } } : {}),
  });
}

let built: Promise<void> | null = null;

/** The web apps the bridge serves, each built by `vite build -c <config>` (the station page's config may not exist yet). */
const WEB_CONFIGS = ['vite.config.ts', 'vite.console.config.ts', 'vite.station.config.ts'] as const;
/** Where the stamp of the last build lives (dist/, not an app's outDir, which each build empties). */
const STAMP_FILE = join(REPO_ROOT, 'dist', '.web-source-stamp');

/**
 * `vite build` of every web app (studio → dist/studio, console → dist/console, station page →
 * dist/station; `npm run build:web`) when their sources changed since the last build, once per
 * process. Test files run in parallel processes: a rebuild empties dist/… under another file's open
 * page (a blank page, a missing asset), so the build runs under a lock shared by the processes, and
 * only when the stamp of the sources (paths, sizes, mtimes) differs from the built one.
 */
export function buildWeb(): Promise<void> {
  built ??= withBuildLock(async () => {
    const stamp = sourceStamp();
    if (existsSync(STAMP_FILE) && readFileSync(STAMP_FILE, 'utf8') === stamp) return;
    for (const config of WEB_CONFIGS) {
      if (!existsSync(join(REPO_ROOT, config))) continue;
      await new Promise<void>((resolve, reject) => {
        execFile(join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['build', '-c', config, '--logLevel', 'warn'], { cwd: REPO_ROOT, timeout: 120_000 }, (err, _stdout, stderr) => {
          if (err) reject(new Error(`vite build -c ${config} failed: ${stderr || err.message}`, { cause: err }));
          else resolve();
        });
      });
    }
    writeFileSync(STAMP_FILE, stamp);
  });
  return built;
}

/** The studio tests' name for buildWeb(): the studio is built with the other apps. */
export const buildStudio = buildWeb;

/** What the web apps are built from: studio/, console/, station/, shared/src, the Vite configs and the lockfile. */
function sourceStamp(): string {
  const hash = createHash('sha256');
  const add = (path: string) => {
    if (!existsSync(path)) {
      hash.update(`${path}\0absent\n`);
      return;
    }
    const st = statSync(path);
    if (st.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (name !== 'node_modules') add(join(path, name));
    } else hash.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
  };
  for (const path of ['studio', 'console', 'station', join('shared', 'src'), ...WEB_CONFIGS, 'package-lock.json']) add(join(REPO_ROOT, path));
  return hash.digest('hex');
}

/** Runs fn holding dist/.web-build.lock (a directory: mkdir is atomic); a lock older than 5 minutes is stale. */
async function withBuildLock(fn: () => Promise<void>): Promise<void> {
  const lock = join(REPO_ROOT, 'dist', '.web-build.lock');
  mkdirSync(join(REPO_ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Saves a full-page screenshot into test-artifacts/ (gitignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects the page's console errors and uncaught exceptions, for failure messages. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') errors.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}
