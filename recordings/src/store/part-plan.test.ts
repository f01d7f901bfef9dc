import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PARTS, MIN_PART_BYTES, planParts } from './part-plan.ts';

const MIB = 1024 * 1024;

test('a 12 MiB file with 5 MiB parts is three parts, the last one shorter', () => {
  assert.deepEqual(planParts(12 * MIB, 5 * MIB), { partSizeBytes: 5 * MIB, partCount: 3 });
});

test('the part size never drops below 5 MiB', () => {
  assert.equal(planParts(100, 1024).partSizeBytes, MIN_PART_BYTES);
});

test('a file too big for 10,000 preferred parts gets larger parts in whole MiB', () => {
  const size = 200 * 1024 * MIB; // 200 GiB
  const plan = planParts(size, 8 * MIB);
  assert.ok(plan.partCount <= MAX_PARTS);
  assert.equal(plan.partSizeBytes % MIB, 0);
  assert.ok(plan.partSizeBytes * plan.partCount >= size);
  assert.ok(plan.partSizeBytes * (plan.partCount - 1) < size);
});

test('an empty or impossibly large file is refused', () => {
  assert.throws(() => planParts(0), RangeError);
  assert.throws(() => planParts(MAX_PARTS * 5 * 1024 * MIB + 1), RangeError);
});
