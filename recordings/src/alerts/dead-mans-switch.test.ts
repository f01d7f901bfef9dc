// The dead-man's switch with a fake clock and a spool of hand-written manifests: a scheduled show
// without a verified recording fires exactly one alert after its end + grace, never before, never
// again after a restart; a covering verified recording fires none; a failed recording fires one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { RecordingStatus, ShowManifest } from '../show-manifest.ts';
import type { Alert, AlertSender } from './alert-sender.ts';
import { ScheduleSchema } from '../../../config/src/alerts-schema.ts';
import { DeadMansSwitch, SETTLE_LIMIT_MS } from './dead-mans-switch.ts';

const MIN = 60_000;
const SLOT_START = Date.parse('2026-11-21T18:00:00Z');
const SLOT_END = SLOT_START + 60 * MIN;
const GRACE = 10 * MIN;

function fixture(t: import('node:test').TestContext, schedule: unknown = [{ name: 'Night Shift', dj: 'nina', at: '2026-11-21T18:00:00Z', duration_minutes: 60 }]) {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-dms-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = { ms: SLOT_START };
  const sent: Alert[] = [];
  const counted: string[] = [];
  const checks = { passes: 0 };
  const sender: AlertSender = { send: async (a) => void sent.push(a), close: () => {} };
  const make = () =>
    new DeadMansSwitch({
      schedule: ScheduleSchema.parse(schedule), graceMs: GRACE, spoolDir: join(dir, 'spool'), stateFile: join(dir, 'alerts-state.json'),
      station: 'Test FM', sender, log: pino({ level: 'silent' }), now: () => new Date(clock.ms), countAlert: (k) => counted.push(k), countCheck: () => checks.passes++,
    });
  const addRecording = (id: string, startMs: number, endMs: number | null, status: RecordingStatus, reason: string | null = null, failedAtMs = endMs ?? startMs) => {
    const m: Partial<ShowManifest> = {
      version: 1, showId: id, dj: 'nina', startedAt: new Date(startMs).toISOString(), endedAt: endMs === null ? null : new Date(endMs).toISOString(),
      status, reason, errorCode: null, history: [{ status: 'recording', at: new Date(startMs).toISOString() }, ...(status === 'failed' ? [{ status: 'failed' as const, at: new Date(failedAtMs).toISOString() }] : [])],
      segments: [], gaps: [], final: null,
    };
    mkdirSync(join(dir, 'spool', id), { recursive: true });
    writeFileSync(join(dir, 'spool', id, 'manifest.json'), JSON.stringify(m));
  };
  return { dir, clock, sent, counted, checks, make, addRecording };
}

test('a scheduled show that never happens fires exactly one alert, after its end + grace and not before', async (t) => {
  const f = fixture(t);
  const dms = f.make();
  for (const ms of [SLOT_START, SLOT_END, SLOT_END + GRACE - 1]) {
    f.clock.ms = ms;
    assert.deepEqual(await dms.check(), [], `nothing at ${new Date(ms).toISOString()}`);
  }
  f.clock.ms = SLOT_END + GRACE;
  const [alert, ...more] = await dms.check();
  assert.equal(more.length, 0);
  assert.deepEqual({ ...alert, fired_at: undefined }, {
    id: 'show:Night Shift@2026-11-21T18:00:00.000Z', kind: 'show_missed', show: 'Night Shift', dj: 'nina',
    slot_start: '2026-11-21T18:00:00.000Z', slot_end: '2026-11-21T19:00:00.000Z',
    reason: 'no recording of the scheduled show "Night Shift" (2026-11-21T18:00:00.000Z–2026-11-21T19:00:00.000Z)',
    recording_id: null, station: 'Test FM', fired_at: undefined,
  });
  for (const ms of [SLOT_END + GRACE + 30_000, SLOT_END + 5 * 3600_000]) {
    f.clock.ms = ms;
    assert.deepEqual(await dms.check(), []);
  }
  await dms.idle();
  assert.equal(f.sent.length, 1);
  assert.deepEqual(f.counted, ['show_missed']);
  assert.equal(f.checks.passes, 6, 'every pass is counted (aircheck_alert_checks_total), those that fired nothing too');
});

test('a restart does not fire an alert again (the state file remembers it)', async (t) => {
  const f = fixture(t);
  f.clock.ms = SLOT_END + GRACE;
  assert.equal((await f.make().check()).length, 1);
  const state = JSON.parse(readFileSync(join(f.dir, 'alerts-state.json'), 'utf8'));
  assert.deepEqual(Object.keys(state.fired), ['show:Night Shift@2026-11-21T18:00:00.000Z']);
  f.clock.ms += 60_000;
  assert.deepEqual(await f.make().check(), []);
  assert.equal(f.sent.length, 1);
});

test('a verified recording overlapping the slot fires no alert', async (t) => {
  const f = fixture(t);
  f.addRecording('20261121T175800Z-nina-aaaaaa', SLOT_START - 2 * MIN, SLOT_END - 5 * MIN, 'verified');
  f.clock.ms = SLOT_END + GRACE + 1;
  assert.deepEqual(await f.make().check(), []);
});

test('a verified recording of another time does not cover the slot', async (t) => {
  const f = fixture(t);
  f.addRecording('20261121T150000Z-nina-aaaaaa', SLOT_START - 3 * 60 * MIN, SLOT_START - 60 * MIN, 'verified');
  f.clock.ms = SLOT_END + GRACE;
  assert.equal((await f.make().check()).length, 1);
});

test('a recording still being finalized defers the alert, up to the settle limit', async (t) => {
  const f = fixture(t);
  f.addRecording('20261121T180000Z-nina-aaaaaa', SLOT_START, SLOT_END, 'finalizing');
  const dms = f.make();
  f.clock.ms = SLOT_END + GRACE + 60 * MIN;
  assert.deepEqual(await dms.check(), []);
  f.clock.ms = SLOT_END + GRACE + SETTLE_LIMIT_MS;
  const alerts = await dms.check();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.recording_id, '20261121T180000Z-nina-aaaaaa');
  assert.match(alerts[0]!.reason, /still finalizing, not verified/);
});

test('a failed recording fires one alert at once, and its slot one more after the grace', async (t) => {
  const f = fixture(t);
  f.addRecording('20261121T180000Z-nina-aaaaaa', SLOT_START, null, 'failed', 'the disk is full', SLOT_START + 20 * MIN);
  const dms = f.make();
  f.clock.ms = SLOT_START + 21 * MIN;
  const [failed, ...more] = await dms.check();
  assert.equal(more.length, 0);
  assert.equal(failed!.kind, 'recording_failed');
  assert.equal(failed!.recording_id, '20261121T180000Z-nina-aaaaaa');
  assert.equal(failed!.show, 'Night Shift');
  assert.match(failed!.reason, /failed: the disk is full/);
  f.clock.ms = SLOT_START + 30 * MIN;
  assert.deepEqual(await dms.check(), []);
  f.clock.ms = SLOT_END + GRACE;
  const [missed] = await dms.check();
  assert.equal(missed!.kind, 'show_missed');
  assert.match(missed!.reason, /failed: the disk is full/);
  assert.deepEqual(await f.make().check(), [], 'not again after a restart');
  assert.deepEqual(f.counted, ['recording_failed', 'show_missed']);
});

test('a failed recording with no schedule at all still fires one alert', async (t) => {
  const f = fixture(t, []);
  f.addRecording('20261121T180000Z-mo-bbbbbb', SLOT_START, SLOT_START + MIN, 'failed', 'upload failed');
  f.clock.ms = SLOT_START + 2 * MIN;
  const [a] = await f.make().check();
  assert.equal(a!.show, null);
  assert.equal(a!.slot_start, null);
  assert.deepEqual(await f.make().check(), []);
});

test('a weekly show fires one alert per missed occurrence', async (t) => {
  const f = fixture(t, [{ name: 'Drive', days: ['sat'], start: '18:00', duration_minutes: 60 }]);
  const dms = f.make();
  f.clock.ms = SLOT_END + GRACE; // Saturday 2026-11-21
  assert.equal((await dms.check()).length, 1);
  f.clock.ms += 7 * 24 * 3600_000 - 1; // just before next Saturday's end + grace
  assert.deepEqual(await dms.check(), []);
  f.addRecording('20261128T180000Z-nina-aaaaaa', SLOT_START + 7 * 24 * 3600_000, SLOT_END + 7 * 24 * 3600_000, 'verified');
  f.clock.ms += 1;
  assert.deepEqual(await dms.check(), [], 'covered the second week');
  f.clock.ms += 7 * 24 * 3600_000;
  const [third] = await dms.check();
  assert.equal(third!.slot_start, '2026-12-05T18:00:00.000Z');
  assert.equal(f.sent.length, 2);
});

test('a weekly show in a time zone is judged at its local time', async (t) => {
  // 19:00 in Berlin (+01:00 in November) is 18:00Z: the recording at 18:00Z covers it.
  const f = fixture(t, [{ name: 'Abend', days: ['sat'], start: '19:00', timezone: 'Europe/Berlin', duration_minutes: 60 }]);
  f.addRecording('20261121T180000Z-nina-aaaaaa', SLOT_START, SLOT_END, 'verified');
  f.clock.ms = SLOT_END + GRACE;
  assert.deepEqual(await f.make().check(), []);
  const g = fixture(t, [{ name: 'Abend', days: ['sat'], start: '19:00', duration_minutes: 60 }]); // 19:00Z
  g.addRecording('20261121T180000Z-nina-aaaaaa', SLOT_START, SLOT_END, 'verified');
  g.clock.ms = SLOT_END + GRACE;
  assert.deepEqual(await g.make().check(), [], 'not due yet: 19:00Z + 60 min + grace is later');
  g.clock.ms = SLOT_END + 60 * MIN + GRACE;
  const [a] = await g.make().check();
  assert.equal(a!.slot_start, '2026-11-21T19:00:00.000Z');
});

test('a corrupt state file does not silence the switch', async (t) => {
  const f = fixture(t);
  writeFileSync(join(f.dir, 'alerts-state.json'), '{ not json');
  f.clock.ms = SLOT_END + GRACE;
  assert.equal((await f.make().check()).length, 1);
  assert.equal(JSON.parse(readFileSync(join(f.dir, 'alerts-state.json'), 'utf8')).version, 1);
});
