import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, shortHash } from './format.ts';

test('sizes, durations and checksums read the same everywhere in the console', () => {
  assert.equal(formatBytes(null), '—');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(80_123), '80.1 kB');
  assert.equal(formatBytes(1_234_567), '1.23 MB');
  assert.equal(formatDuration(5230), '0:05');
  assert.equal(formatDuration(3_725_000), '1:02:05');
  assert.equal(shortHash('c6ce6bd555764050936b'), 'c6ce6bd55576…');
  assert.equal(shortHash(null), '—');
});
