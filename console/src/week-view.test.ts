import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addWeeks, localDateKey, slotsByDay, weekFromParam, weekStart } from './week-view.ts';

test('a week starts on Monday at local midnight', () => {
  const thursday = new Date(2026, 11, 3, 6, 30);
  assert.equal(localDateKey(weekStart(thursday)), '2026-11-30');
  const sunday = new Date(2026, 11, 6, 23, 59);
  assert.equal(localDateKey(weekStart(sunday)), '2026-11-30');
  const monday = new Date(2026, 11, 7, 0, 0);
  assert.equal(localDateKey(weekStart(monday)), '2026-12-07');
});

test('the week parameter picks the week holding that day; a bad one means this week', () => {
  const now = new Date(2026, 11, 3);
  assert.equal(localDateKey(weekFromParam('2026-11-25', now)), '2026-11-23');
  assert.equal(localDateKey(weekFromParam('junk', now)), '2026-11-30');
  assert.equal(localDateKey(addWeeks(weekFromParam(undefined, now), -1)), '2026-11-23');
});

test('slots land on their local day, sorted, and slots outside the week are left out', () => {
  const start = new Date(2026, 10, 30);
  const at = (d: number, h: number) => new Date(2026, 10, 30 + d, h).toISOString();
  const days = slotsByDay([{ startAt: at(3, 20) }, { startAt: at(3, 8) }, { startAt: at(0, 0) }, { startAt: at(7, 0) }, { startAt: at(-1, 23) }], start);
  assert.deepEqual(days.map((d) => d.length), [1, 0, 0, 2, 0, 0, 0]);
  assert.equal(days[3]![0]!.startAt, at(3, 8));
});
