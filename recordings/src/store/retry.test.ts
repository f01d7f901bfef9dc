import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRetryableStoreError, withRetry } from './retry.ts';

const named = (name: string, extra: object = {}): Error => Object.assign(new Error(''), { name, ...extra });

test('transient errors are recognised by name, code and status, never by message', () => {
  assert.equal(isRetryableStoreError(named('BadDigest')), true); // arrives with an empty message
  assert.equal(isRetryableStoreError(named('SlowDown')), true);
  assert.equal(isRetryableStoreError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), true);
  assert.equal(isRetryableStoreError(named('Whatever', { $metadata: { httpStatusCode: 503 } })), true);
  assert.equal(isRetryableStoreError(new Error('x', { cause: Object.assign(new Error(), { code: 'EPIPE' }) })), true);
  assert.equal(isRetryableStoreError(named('AccessDenied', { $metadata: { httpStatusCode: 403 } })), false);
  assert.equal(isRetryableStoreError(named('NoSuchBucket')), false);
  assert.equal(isRetryableStoreError(new Error('ServiceUnavailable InternalError ECONNRESET')), false);
  assert.equal(isRetryableStoreError(named('AbortError')), false);
});

test('withRetry backs off exponentially with jitter and stops after the last attempt', async () => {
  const delays: number[] = [];
  let calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw named('InternalError');
    }, { attempts: 4, baseDelayMs: 100, maxDelayMs: 250, random: () => 1, sleep: async (ms) => void delays.push(ms) }),
    { name: 'InternalError' },
  );
  assert.equal(calls, 4);
  assert.deepEqual(delays, [100, 200, 250]);
});

test('withRetry returns the first success and does not retry a permanent error', async () => {
  let calls = 0;
  const value = await withRetry(async (attempt) => {
    calls++;
    if (attempt < 3) throw named('ServiceUnavailable');
    return 'ok';
  }, { sleep: async () => {} });
  assert.equal(value, 'ok');
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(withRetry(async () => {
    calls++;
    throw named('AccessDenied');
  }, { sleep: async () => {} }));
  assert.equal(calls, 1);
});
