import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METER_TICKS, METER_ZONES, MIN_DB, MeterAccumulator, PeakHold, dbToGain, dbToPosition, gainToDb, isClip, meterZone, positionToDb } from './meter-math.ts';

test('a full-scale sine reads 0 dBFS peak and −3 dBFS RMS', () => {
  const meter = new MeterAccumulator(2400);
  let reading = null;
  for (let block = 0; block < 19 && reading === null; block++) {
    const data = new Float32Array(128);
    for (let i = 0; i < 128; i++) data[i] = Math.sin((2 * Math.PI * 1000 * (block * 128 + i)) / 48000);
    reading = meter.add([data, data]);
  }
  assert.ok(reading);
  assert.ok(Math.abs(reading.peakDb) < 0.01, `peak ${reading.peakDb}`);
  assert.ok(Math.abs(reading.rmsDb + 3.01) < 0.05, `rms ${reading.rmsDb}`);
});

test('silence reads the floor, and the loudest channel wins', () => {
  const meter = new MeterAccumulator(128);
  assert.deepEqual(meter.add([new Float32Array(128)]), { peakDb: MIN_DB, rmsDb: MIN_DB });
  const r = meter.add([new Float32Array(128), new Float32Array(128).fill(0.5)]);
  assert.ok(r && Math.abs(r.peakDb - gainToDb(0.5)) < 1e-9 && Math.abs(r.rmsDb - gainToDb(0.5)) < 1e-9);
});

test('dB and gain convert both ways, with the floor as silence', () => {
  assert.equal(dbToGain(0), 1);
  assert.equal(dbToGain(MIN_DB), 0);
  assert.ok(Math.abs(dbToGain(-6) - 0.501) < 0.001);
  assert.equal(gainToDb(0), MIN_DB);
  assert.ok(Math.abs(gainToDb(dbToGain(-12)) + 12) < 1e-9);
});

test('the meter scale: −60 … 0 dBFS, linear in dB, clamped at both ends', () => {
  assert.equal(dbToPosition(MIN_DB), 0);
  assert.equal(dbToPosition(-90), 0);
  assert.equal(dbToPosition(Number.NaN), 0);
  assert.equal(dbToPosition(0), 1);
  assert.equal(dbToPosition(3), 1);
  assert.equal(dbToPosition(-30), 0.5);
  assert.equal(dbToPosition(-18), 0.7);
  assert.equal(dbToPosition(-6), 0.9);
  for (const db of [-60, -45, -25, -18, -6, -3, 0]) assert.ok(Math.abs(positionToDb(dbToPosition(db)) - db) < 1e-9, `round trip ${db}`);
  assert.equal(positionToDb(-1), MIN_DB);
  assert.equal(positionToDb(2), 0);
});

test('zones: green below −18 dBFS, yellow from −18, red from −6', () => {
  assert.equal(meterZone(-60), 'green');
  assert.equal(meterZone(-25), 'green');
  assert.equal(meterZone(-18.01), 'green');
  assert.equal(meterZone(-18), 'yellow');
  assert.equal(meterZone(-6.01), 'yellow');
  assert.equal(meterZone(-6), 'red');
  assert.equal(meterZone(-3), 'red');
  assert.deepEqual(METER_ZONES.map((z) => [z.zone, z.from, z.to]), [['green', 0, 0.7], ['yellow', 0.7, 0.9], ['red', 0.9, 1]]);
  assert.ok(METER_TICKS.every((db) => db >= MIN_DB && db <= 0) && METER_TICKS.includes(-18) && METER_TICKS.includes(-6));
});

test('clip latches at −0.1 dBFS and above', () => {
  assert.equal(isClip(-0.11), false);
  assert.equal(isClip(-0.1), true);
  assert.equal(isClip(0), true);
});

test('peak hold holds the highest peak 1.5 s, then falls, never below the live peak', () => {
  const hold = new PeakHold(1500, 20);
  assert.equal(hold.update(-10, 0), -10);
  assert.equal(hold.update(-30, 100), -10, 'a lower peak does not move the marker');
  assert.equal(hold.update(-30, 1500), -10, 'still held at 1.5 s');
  assert.ok(Math.abs(hold.update(-30, 2000) - -20) < 1e-9, '0.5 s of falling at 20 dB/s');
  assert.equal(hold.update(-12, 2100), -12, 'a new higher peak takes over and restarts the hold');
  assert.equal(hold.valueAt(3600), -12);
  assert.equal(hold.valueAt(100_000), MIN_DB, 'falls to the floor, no further');
  assert.equal(hold.update(-40, 100_000), -40);
});
