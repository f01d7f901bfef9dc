import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionClient } from './session-client.ts';

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit } = {}): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.url = url;
    seen.init = init;
    return new Response(body === null ? null : JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
}

test('sign-in posts name and password as JSON and returns the token', async () => {
  const seen: { url?: string; init?: RequestInit } = {};
  const client = new SessionClient('http://bridge/', fakeFetch(200, { token: 't'.repeat(32), name: 'dj', expiresAt: '2030-01-01T00:00:00Z' }, seen));
  const s = await client.login('dj', 'pw');
  assert.equal(s.token, 't'.repeat(32));
  assert.equal(seen.url, 'http://bridge/api/login');
  assert.deepEqual(JSON.parse(String(seen.init?.body)), { name: 'dj', password: 'pw' });
});

test('a refused sign-in carries the bridge error code and message', async () => {
  const client = new SessionClient('', fakeFetch(401, { code: 'STUDIO_LOGIN_FAILED', message: 'wrong name or password' }));
  await assert.rejects(client.login('dj', 'bad'), { code: 'STUDIO_LOGIN_FAILED', message: 'wrong name or password', status: 401 });
});

test('session and logout send the token as a bearer', async () => {
  const seen: { url?: string; init?: RequestInit } = {};
  const client = new SessionClient('', fakeFetch(204, null, seen));
  await client.logout('abc');
  assert.equal((seen.init?.headers as Record<string, string>).authorization, 'Bearer abc');
  assert.equal(seen.url, '/api/logout');
});
