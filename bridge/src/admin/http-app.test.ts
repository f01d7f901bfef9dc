// /metrics behind [metrics] token and allow, 404 texts that name no mount, and /admin/* Basic auth by
// the station's accounts and their roles (server on 127.0.0.1, port 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { MountSchema } from '../../../config/src/config-schema.ts';
import { AuthThrottle } from '../http/auth-throttle.ts';
import { MountRegistry } from '../mounts/mount-registry.ts';
import type { Credentials } from '../secrets/credentials.ts';
import { Metrics } from './metrics.ts';
import { createHttpApp, type AdminUser } from './http-app.ts';

/** Accounts as station/users.ts gives them: name → [password, role]; disabled ones are not listed (verify gives null). */
const ACCOUNTS: Record<string, [string, AdminUser['role']]> = { boss: ['boss-pass-1', 'admin'], op: ['op-pass-12', 'operator'], dj: ['dj-pass-123', 'dj'] };
const users = {
  async verify(name: string, password: string): Promise<AdminUser | null> {
    const account = Object.hasOwn(ACCOUNTS, name) ? ACCOUNTS[name] : undefined;
    return account && account[0] === password ? { name, role: account[1] } : null;
  },
};

async function serve(t: import('node:test').TestContext, access: { token?: string; allow: string[] } | undefined) {
  const registry = new MountRegistry({
    mounts: ['/live', '/secret-hidden', '/secret-private'].map((path) => MountSchema.parse({ path, hidden: path === '/secret-hidden', private: path === '/secret-private' })),
    limits: { maxListeners: 10, maxSources: 10, listenerQueueSeconds: 5, maxDynamicMounts: 0 },
    observer: { sourceStarted() {}, sourceEnded() {}, listenerJoined() {}, listenerLeft() {}, listenerMoved() {}, bytesSent() {}, bytesReceived() {} },
    fileFeedFor: () => null,
  });
  const app = createHttpApp({
    registry,
    credentials: () => ({}) as Credentials,
    users,
    throttle: new AuthThrottle(20),
    metrics: new Metrics(),
    facts: { name: 'x', location: '', adminContact: '', startedAtMs: 0, version: '0' },
    log: pino({ level: 'silent' }),
    streamBaseUrl: () => 'http://x',
    ...(access ? { metricsAccess: () => access } : {}),
  });
  const server = createServer((req, res) => void app(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('/metrics answers an allowed address with the token; 401 without the token, 403 from another address', async (t) => {
  const open = await serve(t, undefined);
  assert.equal((await fetch(`${open}/metrics`)).status, 200, 'no [metrics] settings: open, as before');
  const guarded = await serve(t, { token: 'metrics-token-0123456789', allow: ['127.0.0.0/8'] });
  const none = await fetch(`${guarded}/metrics`);
  assert.equal(none.status, 401);
  assert.match(await none.text(), /^AUTH_REQUIRED: /);
  assert.equal((await fetch(`${guarded}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789x' } })).status, 401);
  assert.equal((await fetch(`${guarded}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).status, 200);
  const elsewhere = await serve(t, { allow: ['10.0.0.0/8', '::1'] });
  const refused = await fetch(`${elsewhere}/metrics`);
  assert.equal(refused.status, 403);
  assert.match(await refused.text(), /^AUTH_FORBIDDEN: .*\[metrics\] allow/);
});

test('an unknown path answers 404 without naming any mount', async (t) => {
  const base = await serve(t, undefined);
  const res = await fetch(`${base}/nothing`);
  assert.equal(res.status, 404);
  const text = await res.text();
  for (const mount of ['/live', '/secret-hidden', '/secret-private']) assert.ok(!text.includes(mount), text);
});

test('/admin/* takes an enabled admin or operator of the station accounts; a DJ, a wrong password and no credentials get 401', async (t) => {
  const base = await serve(t, undefined);
  const list = (user: string, password: string | null) =>
    fetch(`${base}/admin/listmounts`, password === null ? {} : { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  assert.equal((await list('boss', 'boss-pass-1')).status, 200);
  assert.equal((await list('op', 'op-pass-12')).status, 200);
  for (const [user, password] of [['dj', 'dj-pass-123'], ['boss', 'op-pass-12'], ['nobody', 'boss-pass-1'], ['', null]] as const) {
    const res = await list(user, password);
    assert.equal(res.status, 401, `${user} / ${password}`);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="/);
    assert.match(await res.text(), /^ADMIN_AUTH_FAILED: /);
  }
});
