import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_DB, MeterAccumulator, dbToGain, gainToDb } from './meter-math.ts';

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
