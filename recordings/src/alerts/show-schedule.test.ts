// Scheduled shows become slots: weekly ones recur on their days at their local time, in their time
// zone (DST included); one-off ones happen once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScheduleEntrySchema, ScheduleSchema } from '../../../config/src/alerts-schema.ts';
import { slotsEndingBetween, zonedTimeToUtcMs } from './show-schedule.ts';

const iso = (ms: number) => new Date(ms).toISOString();

test('a weekly slot recurs on each listed day, and only on those', () => {
  const entry = ScheduleEntrySchema.parse({ name: 'Drive', days: ['mon', 'wed'], start: '18:00', duration_minutes: 60 });
  // Sun 2026-03-01 .. Sun 2026-03-15 (UTC).
  const slots = slotsEndingBetween([entry], Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-03-15T00:00:00Z'));
  assert.deepEqual(slots.map((s) => iso(s.startMs)), ['2026-03-02T18:00:00.000Z', '2026-03-04T18:00:00.000Z', '2026-03-09T18:00:00.000Z', '2026-03-11T18:00:00.000Z']);
  assert.equal(slots[0]!.endMs - slots[0]!.startMs, 3_600_000);
  assert.equal(slots[0]!.key, 'Drive@2026-03-02T18:00:00.000Z');
});

test('a weekly slot starts at its local time in its time zone, across a DST change', () => {
  const entry = ScheduleEntrySchema.parse({ name: 'Morning', days: ['sat', 'mon'], start: '07:30', timezone: 'Europe/Berlin', duration_minutes: 90 });
  // Europe/Berlin moves from +01:00 to +02:00 on Sunday 2026-03-29.
  const slots = slotsEndingBetween([entry], Date.parse('2026-03-27T00:00:00Z'), Date.parse('2026-03-31T00:00:00Z'));
  assert.deepEqual(slots.map((s) => iso(s.startMs)), ['2026-03-28T06:30:00.000Z', '2026-03-30T05:30:00.000Z']);
});

test('a start time skipped by the spring-forward change is shifted forward', () => {
  // 02:30 does not exist in Berlin on 2026-03-29; it becomes 03:30 local (01:30Z).
  assert.equal(iso(zonedTimeToUtcMs('Europe/Berlin', 2026, 2, 29, 2, 30)), '2026-03-29T01:30:00.000Z');
  // A repeated hour (autumn) takes the first 02:30 (+02:00).
  assert.equal(iso(zonedTimeToUtcMs('Europe/Berlin', 2026, 9, 25, 2, 30)), '2026-10-25T00:30:00.000Z');
  assert.equal(iso(zonedTimeToUtcMs('America/New_York', 2026, 10, 21, 18, 0)), '2026-11-21T23:00:00.000Z');
});

test('a one-off slot happens once, at its instant', () => {
  const entry = ScheduleEntrySchema.parse({ name: 'Special', at: '2026-11-21T18:00:00+01:00', duration_minutes: 30 });
  assert.deepEqual(slotsEndingBetween([entry], 0, Date.parse('2030-01-01T00:00:00Z')).map((s) => [iso(s.startMs), iso(s.endMs)]), [['2026-11-21T17:00:00.000Z', '2026-11-21T17:30:00.000Z']]);
  assert.deepEqual(slotsEndingBetween([entry], Date.parse('2026-11-21T17:31:00Z'), Date.parse('2030-01-01T00:00:00Z')), []);
});

test('a schedule entry must be either one-off or weekly, with a real time zone and a unique name', () => {
  const bad = (v: unknown) => ScheduleEntrySchema.safeParse(v).success;
  assert.equal(bad({ name: 'x', duration_minutes: 60 }), false, 'neither at nor days');
  assert.equal(bad({ name: 'x', at: '2026-11-21T18:00:00Z', days: ['mon'], start: '18:00', duration_minutes: 60 }), false, 'both');
  assert.equal(bad({ name: 'x', days: ['mon'], duration_minutes: 60 }), false, 'days without start');
  assert.equal(bad({ name: 'x', at: '2026-11-21T18:00:00', duration_minutes: 60 }), false, 'at without offset');
  assert.equal(bad({ name: 'x', days: ['mon'], start: '24:00', duration_minutes: 60 }), false, 'hour 24');
  assert.equal(bad({ name: 'x', days: ['mon'], start: '18:00', timezone: 'Mars/Olympus', duration_minutes: 60 }), false, 'unknown zone');
  assert.equal(bad({ name: 'x', days: ['mon', 'mon'], start: '18:00', duration_minutes: 60 }), false, 'day twice');
  assert.equal(bad({ name: 'x', days: ['mon'], start: '18:00', duration_minutes: 60 }), true);
  const twice = ScheduleSchema.safeParse([{ name: 'x', at: '2026-11-21T18:00:00Z', duration_minutes: 1 }, { name: 'x', at: '2026-11-22T18:00:00Z', duration_minutes: 1 }]);
  assert.equal(twice.success, false);
  assert.deepEqual(twice.error!.issues[0]!.path, [1, 'name']);
});
