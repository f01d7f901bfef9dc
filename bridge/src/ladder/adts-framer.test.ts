import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdtsFramer, readAdtsHeader } from './adts-framer.ts';

/** One ADTS frame (AAC-LC, no CRC) of `length` bytes at sample rate index `sr`, channels `ch`. */
function adtsFrame(length: number, sr = 4, ch = 2, fill = 0x11, blocks = 1): Uint8Array {
  const f = new Uint8Array(length).fill(fill);
  f[0] = 0xff;
  f[1] = 0xf1;
  f[2] = (1 << 6) | (sr << 2) | ((ch >> 2) & 1);
  f[3] = ((ch & 3) << 6) | ((length >> 11) & 3);
  f[4] = (length >> 3) & 0xff;
  f[5] = ((length & 7) << 5) | 0x1f;
  f[6] = 0xfc | (blocks - 1);
  return f;
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

test('readAdtsHeader reads length, rate, channels and samples; refuses non-ADTS bytes', () => {
  const h = readAdtsHeader(adtsFrame(300, 3, 1, 0, 2), 0)!;
  assert.deepEqual(h, { frameLength: 300, sampleRateHz: 48000, channels: 1, samples: 2048, objectType: 2 });
  assert.equal(readAdtsHeader(Uint8Array.of(0xff, 0xfb, 0x90, 0, 0, 0, 0), 0), null, 'an MP3 header is not ADTS (layer bits)');
  assert.equal(readAdtsHeader(adtsFrame(300).subarray(0, 6), 0), null, 'too short');
  const bad = adtsFrame(300);
  bad[2] = (1 << 6) | (13 << 2);
  assert.equal(readAdtsHeader(bad, 0), null, 'reserved sample rate index');
});

test('AdtsFramer emits one sync-point unit per frame with durations that add up exactly, across any split', () => {
  const frames = [adtsFrame(371), adtsFrame(402), adtsFrame(388), adtsFrame(350)];
  const stream = concat(...frames);
  for (const cut of [1, 7, 100, 371, 372, 800]) {
    const framer = new AdtsFramer();
    const units = [...framer.push(stream.subarray(0, cut)), ...framer.push(stream.subarray(cut))];
    // Once locked (two headers in a row), frames are taken back to back: the last one too.
    assert.deepEqual(units.map((u) => u.data.length), [371, 402, 388, 350], `split at ${cut}`);
    assert.ok(units.every((u) => u.isSyncPoint && !u.isHeader && !u.newStream));
    assert.equal(framer.format, 'aac');
  }
  const framer = new AdtsFramer();
  const many = concat(...Array.from({ length: 44 }, () => adtsFrame(200, 5 /* 32 kHz */)));
  const units = framer.push(many);
  assert.equal(units.reduce((n, u) => n + u.durationUs, 0), 44 * 32_000, '44 frames × 1024 / 32000 Hz = 1.408 s to the µs');
});

test('AdtsFramer skips garbage before and between frames', () => {
  const garbage = Uint8Array.of(1, 2, 0xff, 3, 0xff, 0x00, 9, 0xff);
  const stream = concat(garbage, adtsFrame(200), adtsFrame(210), garbage, adtsFrame(220), adtsFrame(230), adtsFrame(240));
  const units = new AdtsFramer().push(stream);
  assert.deepEqual(units.map((u) => u.data.length), [200, 210, 220, 230, 240]);
});
