// The dead-man's switch in the real program: a one-off show scheduled to have ended a minute ago,
// never broadcast, makes exactly one POST to the webhook (a local HTTP server), with the alert's
// JSON; later checks (every second here, counted in aircheck_alert_checks_total) and a restart send
// nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type RunningBridge } from '../helpers/bridge.ts';

async function webhookServer() {
  const posts: { path: string; contentType: string | undefined; body: any }[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) });
      res.writeHead(204).end();
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    posts,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/aircheck`,
    async waitForPost(timeoutMs: number): Promise<void> {
      if (posts.length > 0) return;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no POST within ${timeoutMs} ms`)), timeoutMs);
        waiters.push(() => (clearTimeout(t), resolve()));
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** aircheck_alert_checks_total: passes the switch has finished in this process. */
async function checks(bridge: RunningBridge): Promise<number> {
  const text = await (await fetch(`${bridge.streamUrl}/metrics`, { headers: { authorization: bridge.adminAuth } })).text();
  const line = text.split('\n').find((l) => l.startsWith('aircheck_alert_checks_total '));
  if (!line) throw new Error('no aircheck_alert_checks_total in /metrics');
  return Number(line.split(' ')[1]);
}

/** Waits until the switch has finished `n` passes (it checks every second here): polls /metrics, the only view into the process. */
async function waitForChecks(bridge: RunningBridge, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = await checks(bridge);
  while (seen < n) {
    if (Date.now() > deadline) throw new Error(`the dead-man's switch finished ${seen} passes, not ${n}, in ${timeoutMs} ms: it is not running`);
    await new Promise((r) => setTimeout(r, 100));
    seen = await checks(bridge);
  }
}

test('a scheduled show that never happens fires exactly one alert, also across a restart', async (t) => {
  const hook = await webhookServer();
  t.after(() => hook.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'aircheck-dms-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const start = new Date(Date.now() - 31 * 60_000);
  start.setUTCSeconds(0, 0);
  const configToml = [
    '[alerts]',
    `webhook_url = "${hook.url}"`,
    'grace_minutes = 0',
    'check_interval_seconds = 1',
    '',
    '[[schedule]]',
    'name = "Ghost Show"',
    'dj = "nobody"',
    `at = "${start.toISOString().replace(/\.000Z$/, 'Z')}"`,
    'duration_minutes = 30',
  ].join('\n');

  let bridge = await startBridge({ configToml, dataDir });
  t.after(() => bridge.stop());
  await hook.waitForPost(10_000);
  await waitForChecks(bridge, (await checks(bridge)) + 2); // two more passes, each of which could have fired again
  assert.equal(hook.posts.length, 1, `one POST, got ${hook.posts.length}`);
  const [post] = hook.posts;
  assert.equal(post!.path, '/hooks/aircheck');
  assert.equal(post!.contentType, 'application/json');
  const slotStart = start.toISOString();
  const slotEnd = new Date(start.getTime() + 30 * 60_000).toISOString();
  assert.deepEqual({ ...post!.body, fired_at: typeof post!.body.fired_at }, {
    id: `show:Ghost Show@${slotStart}`, kind: 'show_missed', show: 'Ghost Show', dj: 'nobody', slot_start: slotStart, slot_end: slotEnd,
    reason: `no recording of the scheduled show "Ghost Show" (${slotStart}–${slotEnd})`, recording_id: null, station: 'Aircheck', fired_at: 'string',
  });
  const metrics = await (await fetch(`${bridge.streamUrl}/metrics`, { headers: { authorization: bridge.adminAuth } })).text();
  assert.match(metrics, /aircheck_alerts_total\{kind="show_missed"\} 1/);
  assert.match(bridge.proc.stdout, /"msg":"alert fired"/);
  assert.ok(JSON.parse(readFileSync(join(dataDir, 'alerts-state.json'), 'utf8')).fired[`show:Ghost Show@${slotStart}`]);

  // A restart with the same data directory: the alert is remembered, not sent again.
  await bridge.stop();
  bridge = await startBridge({ configToml, dataDir });
  await waitForChecks(bridge, 2); // the pass at start and one more: the restarted switch runs and stays quiet
  assert.equal(hook.posts.length, 1, 'no second POST after the restart');
});
