import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToBase64, durationUsToSamples48k } from './codec-math.ts';

test('20 ms is 960 samples at 48 kHz, whatever the input rate', () => {
  assert.equal(durationUsToSamples48k(20_000), 960);
  assert.equal(durationUsToSamples48k(2_500), 120);
});

test('base64 matches Buffer for every padding length', () => {
  for (const n of [0, 1, 2, 3, 19, 20]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
    assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString('base64'));
  }
});
