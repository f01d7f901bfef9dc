// The alert sender with a fake fetch (no network): the webhook gets the alert as JSON, transient
// failures are retried with backoff, a refusal is not, and a final failure is logged, never thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createAlertSender, type Alert } from './alert-sender.ts';

const ALERT: Alert = {
  id: 'show:Night@2026-11-21T18:00:00.000Z', kind: 'show_missed', show: 'Night', dj: 'nina', slot_start: '2026-11-21T18:00:00.000Z',
  slot_end: '2026-11-21T19:00:00.000Z', reason: 'no recording of the scheduled show "Night"', recording_id: null, station: 'Test FM', fired_at: '2026-11-21T19:10:00.000Z',
};

function harness(answers: (number | Error)[]) {
  const calls: { url: string; body: any }[] = [];
  const delays: number[] = [];
  const logs: any[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const fakeFetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, body: JSON.parse(init.body as string) });
    const a = answers.shift() ?? 200;
    if (a instanceof Error) throw a;
    return new Response(null, { status: a });
  }) as unknown as typeof fetch;
  return { calls, delays, logs, log, fakeFetch, sleep: async (ms: number) => void delays.push(ms) };
}

test('an alert is POSTed to the webhook as JSON', async () => {
  const h = harness([204]);
  await createAlertSender({ webhookUrl: 'http://hooks.test/x', log: h.log, fetch: h.fakeFetch, sleep: h.sleep }).send(ALERT);
  assert.deepEqual(h.calls, [{ url: 'http://hooks.test/x', body: ALERT }]);
});

test('transient failures are retried with growing delays, then the alert is delivered', async () => {
  const h = harness([503, Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 200]);
  await createAlertSender({ webhookUrl: 'http://hooks.test/x', log: h.log, fetch: h.fakeFetch, sleep: h.sleep, baseDelayMs: 100 }).send(ALERT);
  assert.equal(h.calls.length, 3);
  assert.deepEqual(h.delays, [100, 200]);
  assert.ok(!h.logs.some((l) => l.level >= 50));
});

test('a final failure is logged at error with its code, and send resolves', async () => {
  const h = harness([500, 500, 500]);
  await createAlertSender({ webhookUrl: 'http://hooks.test/secret-path', log: h.log, fetch: h.fakeFetch, sleep: h.sleep, attempts: 3 }).send(ALERT);
  assert.equal(h.calls.length, 3);
  const err = h.logs.find((l) => l.level === 50);
  assert.equal(err.code, 'ALERT_DELIVERY_FAILED');
  assert.equal(err.error, 'HTTP 500');
  assert.ok(!JSON.stringify(h.logs).includes('secret-path'), 'the URL is never logged');
});

test('a refusal (4xx) is not retried', async () => {
  const h = harness([404]);
  await createAlertSender({ webhookUrl: 'http://hooks.test/x', log: h.log, fetch: h.fakeFetch, sleep: h.sleep }).send(ALERT);
  assert.equal(h.calls.length, 1);
  assert.equal(h.logs.find((l) => l.level === 50).error, 'HTTP 404');
});

test('Telegram gets a text message through the Bot API, besides the webhook', async () => {
  const h = harness([200, 200]);
  await createAlertSender({ webhookUrl: 'http://hooks.test/x', telegram: { botToken: '123:abc', chatId: '-100' }, log: h.log, fetch: h.fakeFetch, sleep: h.sleep }).send(ALERT);
  const tg = h.calls.find((c) => c.url.startsWith('https://api.telegram.org/'))!;
  assert.equal(tg.url, 'https://api.telegram.org/bot123:abc/sendMessage');
  assert.equal(tg.body.chat_id, '-100');
  assert.match(tg.body.text, /Test FM: no recording of the scheduled show "Night"/);
  assert.equal(h.calls.length, 2);
});

test('with no target configured, send does nothing and resolves', async () => {
  const h = harness([]);
  await createAlertSender({ log: h.log, fetch: h.fakeFetch }).send(ALERT);
  assert.equal(h.calls.length, 0);
});
