// test-load: browser ~45s
// End to end: the admin console (Chromium) against the real bridge, recordings stored in the real
// S3-compatible server (Ceph RGW) behind a TCP proxy the test can make fail. In one bridge run:
// ffmpeg broadcasts a show to /live while the store is unreachable (→ a failed recording), then a
// second show with the store back (→ verified); a [[schedule]] slot that ended before the bridge
// started is missed (grace 0). As the admin, through the page: sign in; on Live the listener count
// rises (pushed) when a listener connects and the listener is kicked; the verified show is listed
// with size, checksum and duration, plays, seeks (HTTP Range), re-verifies and downloads byte for
// byte; the failed one is red with its code; the missed slot is red; two overlapping shows created in
// the form are flagged; a DJ created in People signs in to the studio; a token works until revoked;
// the station name and a mount's name (Mounts section), the audit log; the failed recording deleted
// after typing its show id.
// Every page is screenshot (desktop and 390 px phone, no sideways overflow) into test-artifacts/,
// and every /api/v1 answer the page received is checked against the OpenAPI document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Page, Response } from 'playwright-core';
import { startBridge, type RunningBridge } from '../helpers/bridge.ts';
import { connectListenerWhenLive } from '../helpers/listener.ts';
import { ffmpegSource, type PeerProcess } from '../helpers/peers.ts';
import { testBucket } from '../helpers/s3-server.ts';
import { toneFile } from '../helpers/tones.ts';
import { checkAgainstOpenApi } from '../helpers/openapi-check.ts';
import { buildWeb, collectPageErrors, launchChromium, screenshot } from './browser.ts';
import { formatBytes, formatDuration, shortHash } from '../../console/src/format.ts';
import { localDateKey } from '../../console/src/week-view.ts';

const ADMIN = 'admin';
const NEW_DJ = { name: 'dj-console', password: 'fresh-dj-password-1' };
const OPERATOR = { name: 'op-console', password: 'fresh-operator-password-1' };
const MISSED_SHOW = 'Ghost Hour';
/** How long the verified show is on air (at least). */
const GOOD_SHOW_MS = 5000;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A TCP proxy in front of the S3 server; while `failing`, every connection is reset (and kept ones are cut). */
async function storeProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let failing = false;
  const server = createServer((client) => {
    client.on('error', () => {});
    if (failing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    setFailing(on: boolean) {
      failing = on;
      if (on) for (const s of sockets) s.resetAndDestroy();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The API as a script sees it: a session cookie and its CSRF token (for the test's own checks). */
async function apiSession(bridge: RunningBridge, name: string, password: string) {
  const res = await fetch(`${bridge.webUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  assert.equal(res.status, 200, `sign-in of ${name}: ${res.status} ${await res.clone().text()}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  await res.json();
  return {
    async get(path: string): Promise<any> {
      const r = await fetch(`${bridge.webUrl}/api/v1${path}`, { headers: { cookie } });
      if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
      return r.json();
    },
  };
}

type Api = Awaited<ReturnType<typeof apiSession>>;

/** Polls the recordings (the finalizer sends no event to the test) until one satisfies predicate. */
async function waitForRecording(api: Api, what: string, predicate: (r: any) => boolean, timeoutMs: number): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any[] = [];
  while (Date.now() < deadline) {
    last = await api.get('/recordings?soundchecks=1');
    const found = last.find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms; recordings: ${JSON.stringify(last.map((r) => ({ showId: r.showId, status: r.status, reason: r.reason })))}`);
}

/** Creates an account through the People page's form (the page is signed in as an admin). */
async function createAccount(page: Page, role: 'dj' | 'operator', who: { name: string; password: string }): Promise<void> {
  await page.getByRole('link', { name: 'People' }).click();
  const form = page.getByRole('form', { name: 'New account' });
  await form.getByLabel('Name').fill(who.name);
  await form.getByLabel('Role').selectOption(role);
  await form.getByLabel(/^Password/).fill(who.password);
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('status').filter({ hasText: `Created ${role} ${who.name}` }).waitFor();
}

/** Fills the console's sign-in form and presses Sign in. */
async function fillSignIn(page: Page, name: string, password: string): Promise<void> {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** No element wider than the viewport (a phone must not scroll sideways). */
async function assertNoSidewaysOverflow(page: Page, what: string): Promise<void> {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  assert.ok(scroll <= width, `${what}: the page is ${scroll} px wide in a ${width} px viewport`);
}

test('an admin reviews recordings, the schedule, live listeners and people in the console', { timeout: 120_000 }, async (t) => {
  await buildWeb();
  const { bucket, client: s3, bucketEnv } = await testBucket(t);
  const proxy = await storeProxy(bucketEnv.AIRCHECK_S3_ENDPOINT!);
  t.after(() => proxy.close());

  // A one-off slot that ended two minutes before the bridge started: with grace 0 it is missed.
  const slotStart = new Date(Math.floor((Date.now() - 3 * 60_000) / 1000) * 1000);
  const bridge = await startBridge({
    configToml: ['[[schedule]]', `name = "${MISSED_SHOW}"`, 'dj = "nobody"', `at = "${slotStart.toISOString().replace(/\.000Z$/, 'Z')}"`, 'duration_minutes = 1'].join('\n'),
    env: {
      ...bucketEnv,
      AIRCHECK_S3_ENDPOINT: proxy.endpoint,
      AIRCHECK_STORAGE_UPLOAD_ATTEMPTS: '1',
      AIRCHECK_RECORDINGS_SOURCE_GRACE_SECONDS: '0', // the second show is its own recording
      AIRCHECK_RECORDINGS_UPLOAD_SEGMENTS: 'false',
      AIRCHECK_ALERTS_GRACE_MINUTES: '0',
    },
  });
  t.after(() => bridge.stop());
  const api = await apiSession(bridge, ADMIN, bridge.adminPassword);
  const sources: PeerProcess[] = [];
  t.after(() => Promise.all(sources.map((p) => p.stop())));
  const broadcast = (toneHz: number, iceName: string, durationS?: number) => {
    const p = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz, iceName, durationS });
    sources.push(p);
    return p;
  };

  // The first show, with the store unreachable: its recording fails (REC_STORE_…), meanwhile the browser starts.
  proxy.setFailing(true);
  const broken = broadcast(440, 'Broken Show', 3);
  const browser = await launchChromium(await toneFile('wav', 440, 1));
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.setDefaultTimeout(15_000);
  const errors = collectPageErrors(page);
  t.after(() => {
    if (errors.length > 0) t.diagnostic(`page console: ${errors.join(' | ')}`);
  });
  const answers: { method: string; path: string; status: number; body: unknown }[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (res: Response) => {
    const url = new URL(res.url());
    if (!url.pathname.startsWith('/api/v1/') || url.pathname === '/api/v1/events') return;
    const isJson = (res.headers()['content-type'] ?? '').includes('application/json');
    pending.push((async () => {
      const body = isJson ? await res.json().catch(() => undefined) : undefined;
      answers.push({ method: res.request().method(), path: url.pathname, status: res.status(), body });
    })());
  });

  try {
    await t.test('sign in through the page', async () => {
      await page.goto(`${bridge.webUrl}/console/`);
      await fillSignIn(page, ADMIN, 'not the password');
      await page.getByRole('alert').filter({ hasText: 'LOGIN_FAILED' }).waitFor(); // the code and the message
      await screenshot(page, 'console-sign-in-failed');
      await fillSignIn(page, ADMIN, bridge.adminPassword);
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
      await page.getByRole('heading', { name: 'Recordings' }).waitFor();
    });

    await broken.exited;
    const failed = await waitForRecording(api, 'the show recorded while the store was away failed', (r) => r.status === 'failed', 30_000);
    proxy.setFailing(false);

    // The second show: on air while the Live page watches a listener come and go.
    const good = broadcast(880, 'Sine Show');
    const goodStartedAt = Date.now();
    await t.test('Live: the listener count rises when a listener connects, and the listener is kicked', async () => {
      await page.getByRole('link', { name: 'Live' }).click();
      const card = page.locator('section[data-mount="/live"]');
      await card.getByText('live', { exact: true }).waitFor();
      const count = card.locator('output[aria-label="Listeners on /live"]');
      assert.equal(await count.textContent(), '0');
      const listener = await connectListenerWhenLive(bridge.url('/live'));
      t.after(() => listener.close());
      await card.locator('output[aria-label="Listeners on /live"]', { hasText: /^1$/ }).waitFor({ timeout: 5000 }); // pushed, not polled
      await card.getByRole('button', { name: 'Show listeners of /live' }).click();
      await screenshot(page, 'console-live');
      await card.getByRole('button', { name: /^Kick 127\.0\.0\.1/ }).click();
      const closed = await listener.waitForClose(5000);
      assert.equal(closed.by, 'server', 'the bridge ended the kicked listener\'s connection');
      await card.locator('output[aria-label="Listeners on /live"]', { hasText: /^0$/ }).waitFor({ timeout: 5000 });
    });
    await new Promise((r) => setTimeout(r, Math.max(0, GOOD_SHOW_MS - (Date.now() - goodStartedAt)))); // the show's length
    await good.stop('SIGINT');
    const verified = await waitForRecording(api, 'the second show verified', (r) => r.showId !== failed.showId && r.status === 'verified', 30_000);

    await t.test('Recordings: the verified show with size, checksum and duration; the failed one in red with its code', async () => {
      await page.getByRole('link', { name: 'Recordings' }).click();
      const row = page.locator(`article[data-show-id="${verified.showId}"]`);
      await row.waitFor();
      const text = (await row.innerText()).replace(/\s+/g, ' ');
      assert.ok(verified.sizeBytes > 40_000 && verified.durationMs > GOOD_SHOW_MS - 1500, `a real recording of about ${GOOD_SHOW_MS} ms: ${JSON.stringify(verified)}`);
      assert.match(text, /recorded.*stored.*verified/);
      assert.doesNotMatch(text, /failed/);
      assert.equal(await row.getByRole('list', { name: 'Status: verified' }).count(), 1);
      assert.ok(text.includes(formatBytes(verified.sizeBytes)), `size ${formatBytes(verified.sizeBytes)} in: ${text}`);
      assert.ok(text.includes(shortHash(verified.sha256)), `checksum ${shortHash(verified.sha256)} in: ${text}`);
      assert.ok(text.includes(formatDuration(verified.durationMs)), `duration ${formatDuration(verified.durationMs)} in: ${text}`);

      const bad = page.locator(`article[data-show-id="${failed.showId}"]`);
      const badText = (await bad.innerText()).replace(/\s+/g, ' ');
      assert.ok(failed.errorCode, `the failed recording has a code: ${JSON.stringify(failed)}`);
      assert.ok(badText.includes(failed.errorCode), `the code ${failed.errorCode} is shown: ${badText}`);
      assert.match(badText, /failed/);
      const red = await bad.locator('.step.failed').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(red, 'rgb(229, 72, 77)', 'the failed step is red');
      await screenshot(page, 'console-recordings');
    });

    await t.test('Recording: plays, seeks where asked, and downloads the stored bytes', async () => {
      await page.locator(`article[data-show-id="${verified.showId}"] header a`).click();
      await page.getByRole('heading', { name: 'Details' }).waitFor();
      assert.equal((await page.locator('dd[data-field="sha256"]').textContent())?.trim(), verified.sha256);
      const audio = page.locator('audio');
      await page.getByRole('button', { name: 'Play', exact: true }).click();
      const deadline = Date.now() + 10_000;
      let state = await audio.evaluate((a: HTMLAudioElement) => ({ paused: a.paused, t: a.currentTime, d: a.duration, err: a.error?.message ?? null }));
      while (state.paused || state.t < 0.3) {
        assert.ok(Date.now() < deadline, `the recording did not play: ${JSON.stringify(state)}`);
        await new Promise((r) => setTimeout(r, 100));
        state = await audio.evaluate((a: HTMLAudioElement) => ({ paused: a.paused, t: a.currentTime, d: a.duration, err: a.error?.message ?? null }));
      }
      const t0 = state.t;
      await page.waitForTimeout(600); // playback time passing is what is measured
      const t1 = await audio.evaluate((a: HTMLAudioElement) => a.currentTime);
      assert.ok(t1 > t0 + 0.2, `currentTime advances: ${t0} → ${t1}`);
      assert.ok(Math.abs(state.d - verified.durationMs / 1000) < 1, `the player's duration ${state.d} s matches ${verified.durationMs} ms`);
      const landed = await audio.evaluate((a: HTMLAudioElement) => new Promise<{ asked: number; at: number }>((resolve) => {
        const asked = a.duration / 2;
        a.addEventListener('seeked', () => resolve({ asked, at: a.currentTime }), { once: true });
        a.currentTime = asked;
      }));
      assert.ok(Math.abs(landed.at - landed.asked) < 0.5, `the seek landed at ${landed.at} s, asked ${landed.asked} s`);
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.getByRole('button', { name: 'Re-verify' }).click();
      await page.getByRole('status').filter({ hasText: 'Verified again' }).waitFor();
      // The result is kept with the show: the page lists it after reloading the recording.
      await page.locator('[data-field="last-check"]').filter({ hasText: /^Verified again at .*: the recording read back whole/ }).waitFor();
      await screenshot(page, 'console-recording');
      await Promise.all(pending);
      const audioAnswers = answers.filter((a) => a.path === `/api/v1/recordings/${verified.showId}/audio`).map((a) => a.status);
      assert.ok(audioAnswers.includes(206), `the player fetched byte ranges (206): ${audioAnswers.join(', ')}`);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download original' }).click()]);
      const downloaded = readFileSync(await download.path());
      const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
      const key = keys.find((k) => k.includes(verified.showId) && /\.(mp3|opus|ogg)$/.test(k) && !k.includes('/spool/'));
      assert.ok(key, `the recording is in the bucket: ${keys.join(', ')}`);
      const stored = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
      assert.equal(downloaded.length, stored.length, 'downloaded size = stored size');
      assert.equal(sha256(downloaded), sha256(stored), 'downloaded bytes = the stored object');
      assert.equal(sha256(downloaded), verified.sha256, 'and = the SHA-256 the console shows');
    });

    await t.test('Schedule: the slot that passed without a recording is red', async () => {
      await page.goto(`${bridge.webUrl}/console/#/schedule?week=${localDateKey(slotStart)}`);
      const slot = page.locator('.slot[data-state="missed"]', { hasText: MISSED_SHOW });
      await slot.waitFor();
      assert.match(await slot.innerText(), /missed/);
      const bg = await slot.evaluate((el) => getComputedStyle(el).borderLeftColor);
      assert.equal(bg, 'rgb(229, 72, 77)', 'the missed slot is marked red');
    });

    await t.test('Schedule: two overlapping weekly shows created in the form are flagged as conflicts', async () => {
      const create = async (name: string, start: string) => {
        await page.getByRole('button', { name: 'New show' }).click();
        const form = page.getByRole('form', { name: 'New show' });
        await form.getByLabel('Show name').fill(name);
        await form.getByLabel('Monday').check();
        await form.getByLabel(/^Start/).fill(start);
        await form.getByLabel('Time zone').fill('Europe/Berlin');
        await form.getByLabel('Length in minutes').fill('60');
        await form.getByRole('button', { name: 'Create show' }).click();
        await page.getByRole('row', { name: new RegExp(`^${name}`) }).waitFor();
      };
      await create('Morning Tone', '08:00');
      await create('Breakfast Clash', '08:30');
      await page.getByRole('row', { name: /^Morning Tone/ }).getByText('conflicts with Breakfast Clash').waitFor();
      await page.getByRole('row', { name: /^Breakfast Clash/ }).getByText('conflicts with Morning Tone').waitFor();
      await screenshot(page, 'console-schedule');
    });

    await t.test('People: a DJ created in the console signs in to the studio', async () => {
      await createAccount(page, 'dj', NEW_DJ);
      await page.locator(`tr[data-user="${NEW_DJ.name}"]`).waitFor();
      await screenshot(page, 'console-people');
      const res = await fetch(`${bridge.webUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(NEW_DJ) });
      assert.equal(res.status, 200, `the new DJ signs in to the studio: ${await res.text()}`);
    });

    await t.test('Tokens: a token is shown once and works until revoked', async () => {
      await page.getByRole('link', { name: 'Tokens' }).click();
      await page.getByLabel(/^Label/).fill('nightly export');
      await page.getByRole('button', { name: 'Create token' }).click();
      const token = (await page.locator('output[aria-label="New token"]').textContent())!.trim();
      assert.match(token, /^ack_/);
      const me = (tok: string) => fetch(`${bridge.webUrl}/api/v1/me`, { headers: { authorization: `Bearer ${tok}` } });
      assert.equal((await me(token)).status, 200);
      await screenshot(page, 'console-tokens');
      await page.getByRole('button', { name: 'Revoke nightly export' }).click();
      await page.getByRole('status').filter({ hasText: 'Revoked nightly export' }).waitFor();
      assert.equal((await me(token)).status, 401);
    });

    await t.test('Station and Audit: the name and a mount name are saved and the changes are in the log', async () => {
      await page.getByRole('link', { name: 'Station' }).click();
      await page.getByLabel('Station name').fill('Console Test Radio');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Console Test Radio — console').waitFor();
      // Mounts: /live renamed through its form; the API then reports the console's name over the config's.
      const live = page.getByRole('form', { name: 'Mount /live', exact: true }); // not /live.mp3's
      await live.getByLabel('Name').fill('Sine FM');
      await live.getByRole('button', { name: 'Save /live' }).click();
      await live.getByRole('status').filter({ hasText: 'Saved name of /live.' }).waitFor();
      await live.getByRole('button', { name: 'Use config value for name of /live' }).waitFor();
      const mount = (await api.get('/mounts')).find((m: any) => m.path === '/live');
      assert.deepEqual([mount.effective.name, mount.config.name, mount.overridden], ['Sine FM', null, ['name']]);
      await screenshot(page, 'console-station');
      await page.getByRole('link', { name: 'Audit' }).click();
      await page.locator('tbody tr', { hasText: NEW_DJ.name }).first().waitFor();
      await screenshot(page, 'console-audit');
    });

    await t.test('Delete: the admin types the show id to delete the failed recording', async () => {
      await page.goto(`${bridge.webUrl}/console/#/recordings/${failed.showId}`);
      await page.getByRole('button', { name: 'Delete…' }).click();
      const confirmButton = page.getByRole('button', { name: 'Delete recording' });
      assert.equal(await confirmButton.isDisabled(), true, 'disabled until the show id is typed');
      await page.getByLabel(/^Type the show id/).fill(failed.showId);
      await confirmButton.click();
      await page.getByRole('heading', { name: 'Recordings' }).waitFor();
      await page.locator(`article[data-show-id="${verified.showId}"]`).waitFor();
      assert.equal(await page.locator(`article[data-show-id="${failed.showId}"]`).count(), 0, 'the deleted recording is gone from the list');
      assert.equal((await api.get('/recordings?soundchecks=1')).some((r: any) => r.showId === failed.showId), false);
    });

    await t.test('an operator sees no Delete and the API refuses it; a DJ sees only their own shows and no operator pages', async () => {
      await createAccount(page, 'operator', OPERATOR);
      // Each person in their own browser context (their own cookie jar), through the sign-in page.
      const signInAs = async (who: { name: string; password: string }) => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        t.after(() => context.close());
        const p = await context.newPage();
        p.setDefaultTimeout(15_000);
        await p.goto(`${bridge.webUrl}/console/`);
        await fillSignIn(p, who.name, who.password);
        await p.getByRole('navigation', { name: 'Console' }).waitFor();
        return p;
      };
      const operator = await signInAs(OPERATOR);
      await operator.goto(`${bridge.webUrl}/console/#/recordings/${verified.showId}`);
      await operator.getByRole('button', { name: 'Re-verify' }).waitFor();
      assert.equal(await operator.getByRole('button', { name: 'Delete…' }).count(), 0, 'no Delete for an operator');
      const refused = await operator.evaluate(async (showId) => {
        const me = await (await fetch('/api/v1/me')).json();
        const res = await fetch(`/api/v1/recordings/${showId}`, { method: 'DELETE', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: JSON.stringify({ confirm: showId }) });
        return { status: res.status, body: await res.text() };
      }, verified.showId);
      assert.equal(refused.status, 403, `an operator's delete with a valid session and CSRF token: ${refused.body}`);
      await screenshot(operator, 'console-operator-recording');

      const dj = await signInAs(NEW_DJ);
      await dj.getByRole('heading', { name: 'Recordings' }).waitFor();
      await dj.getByText('No recordings match.').waitFor(); // the shows of this test are the sources', none is theirs
      const nav = (await dj.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents()).map((x) => x.trim());
      assert.deepEqual(nav.filter((l) => ['Live', 'People', 'Audit', 'Station'].includes(l)), [], `a DJ's navigation: ${nav.join(', ')}`);
      await dj.goto(`${bridge.webUrl}/console/#/recordings/${verified.showId}`);
      await dj.getByRole('alert').filter({ hasText: /RECORDING_NOT_FOUND|not found/i }).waitFor(); // another's show is not theirs to see
      await screenshot(dj, 'console-dj-recordings');
      assert.equal((await api.get('/recordings')).some((r: any) => r.showId === verified.showId), true, 'the admin still sees it');
    });

    await t.test('every page fits a 390 px phone', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      const pages: [string, string][] = [
        ['recordings', 'Recordings'], [`recordings/${verified.showId}`, 'Details'], [`schedule?week=${localDateKey(slotStart)}`, 'Schedule'],
        ['live', 'Live'], ['people', 'People'], ['tokens', 'API tokens'], ['audit', 'Audit log'], ['station', 'Station'],
      ];
      for (const [hash, heading] of pages) {
        await page.goto(`${bridge.webUrl}/console/#/${hash}`);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        await page.waitForLoadState('networkidle').catch(() => undefined); // the SSE stream keeps the network busy
        await assertNoSidewaysOverflow(page, `#/${hash}`);
        await screenshot(page, `console-phone-${hash.split(/[/?]/)[0]}${hash.includes('/') ? '-detail' : ''}`);
      }
    });

    await t.test("the console's own API calls match the OpenAPI document", async () => {
      await Promise.all(pending);
      const doc = await (await fetch(`${bridge.webUrl}/api/v1/openapi.json`)).json();
      const paths = new Set(answers.map((a) => `${a.method} ${a.path.replace(/\/recordings\/[^/]+/, '/recordings/{showId}')}`));
      for (const must of ['POST /api/v1/session', 'GET /api/v1/me', 'GET /api/v1/recordings', 'GET /api/v1/live', 'POST /api/v1/users', 'GET /api/v1/schedule/slots', 'GET /api/v1/mounts', 'GET /api/v1/media', 'PATCH /api/v1/mounts/%2Flive']) {
        assert.ok(paths.has(must), `the console called ${must}: ${[...paths].join(', ')}`);
      }
      const problems: string[] = [];
      for (const a of answers) {
        if (a.body === undefined) continue; // audio bytes: the status alone
        try {
          checkAgainstOpenApi(doc, a.method, a.path, a.status, a.body);
        } catch (err) {
          problems.push(`${a.method} ${a.path} ${a.status}: ${(err as Error).message}`);
        }
      }
      assert.deepEqual(problems, [], `${answers.length} answers checked`);
    });
  } catch (err) {
    await screenshot(page, 'console-e2e-failure').catch(() => undefined);
    t.diagnostic(bridge.proc.tail(4000));
    throw err;
  }
});
