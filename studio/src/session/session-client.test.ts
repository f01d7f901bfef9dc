import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiError, LoginResponse, SessionResponse } from '../../../shared/src/protocol/studio-api.ts';
import { SessionClient } from './session-client.ts';

/** A bridge answering one call: its body typed as the studio API defines it (a drift fails the typecheck). */
function fakeFetch(status: number, body: LoginResponse | SessionResponse | ApiError | null, seen: { url?: string; init?: RequestInit } = {}): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.url = url;
    seen.init = init;
    return new Response(body === null ? null : JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
}

test('sign-in posts name and password as JSON and returns the token', async () => {
  const seen: { url?: string; init?: RequestInit } = {};
  const client = new SessionClient('http://bridge/', fakeFetch(200, { token: 't'.repeat(32), name: 'dj', expiresAt: '2030-01-01T00:00:00.000Z' }, seen));
  const s = await client.login('dj', 'pw');
  assert.equal(s.token, 't'.repeat(32));
  assert.equal(seen.url, 'http://bridge/api/login');
  assert.deepEqual(JSON.parse(String(seen.init?.body)), { name: 'dj', password: 'pw' });
});

test('a refused sign-in carries the bridge error code and message', async () => {
  const client = new SessionClient('', fakeFetch(401, { code: 'DJ_LOGIN_FAILED', message: 'wrong DJ name or password' }));
  await assert.rejects(client.login('dj', 'bad'), { name: 'SessionError', code: 'DJ_LOGIN_FAILED', message: 'wrong DJ name or password', status: 401 });
});

test('an answer the API does not define is STUDIO_BRIDGE_BAD_RESPONSE, never taken as a session', async () => {
  const noToken = new SessionClient('', (async () => new Response(JSON.stringify({ name: 'dj', expiresAt: '2030-01-01T00:00:00.000Z' }), { status: 200 })) as unknown as typeof fetch);
  await assert.rejects(noToken.login('dj', 'pw'), { code: 'STUDIO_BRIDGE_BAD_RESPONSE', message: /token/ });
  const unknownCode = new SessionClient('', (async () => new Response(JSON.stringify({ code: 'STUDIO_LOGIN_FAILED', message: 'no' }), { status: 401 })) as unknown as typeof fetch);
  await assert.rejects(unknownCode.login('dj', 'pw'), { code: 'STUDIO_BRIDGE_BAD_RESPONSE', status: 401 });
  const html = new SessionClient('', (async () => new Response('<html>502 Bad Gateway</html>', { status: 502 })) as unknown as typeof fetch);
  await assert.rejects(html.session('t'.repeat(32)), { code: 'STUDIO_BRIDGE_BAD_RESPONSE', status: 502 });
});

test('an unreachable bridge is STUDIO_BRIDGE_UNREACHABLE', async () => {
  const client = new SessionClient('', (async () => {
    throw new TypeError('fetch failed');
  }) as unknown as typeof fetch);
  await assert.rejects(client.login('dj', 'pw'), { code: 'STUDIO_BRIDGE_UNREACHABLE', status: 0 });
});

test('session and logout send the token as a bearer', async () => {
  const seen: { url?: string; init?: RequestInit } = {};
  const client = new SessionClient('', fakeFetch(204, null, seen));
  await client.logout('abc');
  assert.equal((seen.init?.headers as Record<string, string>).authorization, 'Bearer abc');
  assert.equal(seen.url, '/api/logout');
});
