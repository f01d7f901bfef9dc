// The schedule: config rows replaced at every bootstrap, console rows kept, config rows the console
// changed or removed stay so; validation; overlapping slots found across a DST change.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { ScheduleEntrySchema, type ScheduleEntry } from '../../../config/src/alerts-schema.ts';
import { StationDb } from './station-db.ts';
import { ScheduleStore } from './schedule-store.ts';
import { Users } from './users.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-schedule-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
async function fresh(nowIso = '2026-10-12T00:00:00Z') {
  const db = StationDb.open(join(root, `d${++n}`, 'station.sqlite'));
  after(() => db.close());
  const users = new Users(db);
  for (const name of ['nina', 'otis']) await users.create({ name, role: 'dj', password: `${name}-password` });
  return new ScheduleStore(db, { now: () => Date.parse(nowIso) });
}

const morning: ScheduleEntry = { name: 'Morning', dj: 'nina', days: ['mon', 'tue'], start: '08:00', timezone: 'Europe/Berlin', duration_minutes: 120 };
const special: ScheduleEntry = { name: 'Special', at: '2026-11-21T18:00:00Z', duration_minutes: 60 };
const evening: ScheduleEntry = { name: 'Evening', days: ['fri'], start: '20:00', duration_minutes: 60 };

describe('ScheduleStore', () => {
  it('bootstrap replaces the config rows with the config\'s and keeps the console\'s', async () => {
    const store = await fresh();
    store.bootstrap([morning, special]);
    const late = store.create({ name: 'Late', dj: 'otis', days: ['sat'], start: '23:00', timezone: 'UTC', duration_minutes: 60 });
    const morningId = store.list()[0]!.id;
    store.bootstrap([{ ...morning, duration_minutes: 90 }, evening]);
    assert.deepEqual(store.list().map((s) => [s.name, s.origin, s.duration_minutes]), [['Morning', 'config', 90], ['Evening', 'config', 60], ['Late', 'console', 60]]);
    assert.equal(store.list()[0]!.id, morningId, 'a config show keeps its id across reloads');
    assert.deepEqual(store.get(late.id), late);
    for (const e of store.entries()) assert.ok(ScheduleEntrySchema.safeParse(e).success, `entries() are valid config entries: ${JSON.stringify(e)}`);
    assert.deepEqual(store.entries()[2], { name: 'Late', dj: 'otis', days: ['sat'], start: '23:00', timezone: 'UTC', duration_minutes: 60 });
    store.bootstrap([morning, evening, { name: 'Late', dj: 'otis', days: ['sat'], start: '22:00', timezone: 'UTC', duration_minutes: 60 }]);
    assert.deepEqual(store.list().filter((s) => s.name === 'Late').map((s) => [s.origin, s.start]), [['console', '23:00']], 'a console show wins over a config entry of its name');
  });

  it('a config show edited in the console becomes the console\'s; one removed there stays removed until its entry changes', async () => {
    const store = await fresh();
    store.bootstrap([morning, evening]);
    const [m, e] = store.list();
    const edited = store.update(m!.id, { name: 'Morning Show', duration_minutes: 60 });
    assert.equal(edited.origin, 'console');
    store.remove(e!.id);
    store.bootstrap([morning, evening]);
    assert.deepEqual(store.list().map((s) => [s.name, s.origin]), [['Morning Show', 'console']], 'neither comes back from the unchanged config');
    store.bootstrap([morning, { ...evening, start: '21:00' }]);
    assert.deepEqual(store.list().map((s) => [s.name, s.start]), [['Evening', '21:00'], ['Morning Show', '08:00']], 'a changed entry is a new decision');
  });

  it('validates shows with SCHEDULE_INVALID and unknown ids with SCHEDULE_NOT_FOUND; at alone turns a weekly show into a one-off', async () => {
    const store = await fresh();
    const s = store.create({ name: 'Weekly', dj: null, days: ['wed'], start: '18:00', duration_minutes: 30 });
    assert.throws(() => store.create({ name: 'Weekly', dj: null, at: '2026-11-01T10:00:00Z', duration_minutes: 30 }), (e) => isAircheckError(e, 'SCHEDULE_INVALID') && /already scheduled/.test(e.message));
    assert.throws(() => store.create({ name: 'Both', dj: null, days: ['wed'], start: '18:00', at: '2026-11-01T10:00:00Z', duration_minutes: 30 }), (e) => isAircheckError(e, 'SCHEDULE_INVALID') && /either one-off/.test(e.message));
    assert.throws(() => store.create({ name: 'Zone', dj: null, days: ['wed'], start: '18:00', timezone: 'Mars/Olympus', duration_minutes: 30 }), (e) => isAircheckError(e, 'SCHEDULE_INVALID') && /timezone/.test(e.message));
    assert.throws(() => store.create({ name: 'Long', dj: null, days: ['wed'], start: '25:00', duration_minutes: 30 }), (e) => isAircheckError(e, 'SCHEDULE_INVALID') && /start/.test(e.message));
    const oneOff = store.update(s.id, { at: '2026-11-01T10:00:00+01:00' });
    assert.deepEqual(oneOff, { id: s.id, name: 'Weekly', dj: null, at: '2026-11-01T10:00:00+01:00', duration_minutes: 30, origin: 'console' });
    assert.equal(store.update(s.id, { dj: 'nina' }).dj, 'nina');
    assert.equal(store.update(s.id, { dj: null }).dj, null);
    assert.throws(() => store.update(s.id, { dj: 'ghost' }), (e) => isAircheckError(e, 'SCHEDULE_INVALID') && /ghost" has no account/.test(e.message));
    assert.throws(() => store.update('nope', { duration_minutes: 10 }), (e) => isAircheckError(e, 'SCHEDULE_NOT_FOUND'));
    assert.throws(() => store.remove('nope'), (e) => isAircheckError(e, 'SCHEDULE_NOT_FOUND'));
    store.remove(s.id);
    assert.deepEqual(store.list(), []);
  });

  it('finds overlapping slots in the next 4 weeks in each show\'s time zone, across the end of summer time', async () => {
    // Europe/Berlin leaves summer time on 2026-10-25: Sunday 10:00 there is 08:00Z on the 18th, 09:00Z from the 25th.
    const store = await fresh('2026-10-12T00:00:00Z');
    const berlin = store.create({ name: 'Berlin Sunday', dj: null, days: ['sun'], start: '10:00', timezone: 'Europe/Berlin', duration_minutes: 60 });
    const utc = store.create({ name: 'UTC Sunday', dj: null, days: ['sun'], start: '09:00', timezone: 'UTC', duration_minutes: 30 });
    const before = store.create({ name: 'Before the change', dj: null, at: '2026-10-18T08:30:00Z', duration_minutes: 30 });
    const after = store.create({ name: 'After the change', dj: null, at: '2026-11-01T08:30:00Z', duration_minutes: 30 });
    const later = store.create({ name: 'Beyond 4 weeks', dj: null, at: '2026-11-15T09:00:00Z', duration_minutes: 30 });
    const expected = [[berlin.id, utc.id].sort(), [berlin.id, before.id].sort()].sort();
    assert.deepEqual(store.conflicts(), expected);
    const byId = store.conflictsById();
    assert.deepEqual(byId.get(after.id), [], 'touching the Berlin show\'s winter-time slot is no conflict');
    assert.deepEqual(byId.get(later.id), []);
    assert.deepEqual(byId.get(berlin.id)!.sort(), [utc.id, before.id].sort());
  });
});
