import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcmBlockAssembler, frameToTimestampUs } from './pcm-blocks.ts';

function ramp(start: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => (start + i) / 10_000);
}

test('render quanta of 128 frames become 20 ms blocks of 960 frames, every sample in order', () => {
  const asm = new PcmBlockAssembler(960, 2);
  const blocks = [];
  const base = 48_000 * 7; // the context has been running for 7 s
  for (let q = 0; q < 30; q++) blocks.push(...asm.add(base + q * 128, [ramp(q * 128, 128), ramp(q * 128, 128).map((v) => -v)]));
  assert.equal(blocks.length, 4); // 30 × 128 = 3840 = 4 × 960
  blocks.forEach((block, i) => {
    assert.equal(block.startFrame, base + i * 960);
    assert.deepEqual(block.channels[0], ramp(i * 960, 960));
    assert.deepEqual(block.channels[1], ramp(i * 960, 960).map((v) => -v));
  });
});

test('a mono input is spread to both channels and a missing input is silence', () => {
  const asm = new PcmBlockAssembler(128, 2);
  const [mono] = asm.add(0, [ramp(0, 128)]);
  assert.deepEqual(mono!.channels[1], ramp(0, 128));
  const [silent] = asm.add(128, []);
  assert.deepEqual(silent!.channels[0], new Float32Array(128));
  assert.equal(silent!.startFrame, 128);
});

test('a skipped render quantum closes the block with silence and the next block starts at the true frame', () => {
  const asm = new PcmBlockAssembler(256, 1);
  assert.deepEqual(asm.add(1000, [ramp(0, 128)]), []);
  const out = asm.add(1000 + 384, [ramp(500, 128)]); // 256 frames went missing
  assert.equal(out.length, 1);
  assert.equal(out[0]!.startFrame, 1000);
  assert.deepEqual(out[0]!.channels[0]!.subarray(0, 128), ramp(0, 128));
  assert.deepEqual(out[0]!.channels[0]!.subarray(128), new Float32Array(128));
  const [next] = asm.add(1000 + 512, [ramp(628, 128)]);
  assert.equal(next!.startFrame, 1384);
});

test('frame positions become whole microseconds on the capture clock', () => {
  assert.equal(frameToTimestampUs(960, 48_000), 20_000);
  assert.equal(frameToTimestampUs(48_000 * 3600, 48_000), 3_600_000_000);
  assert.equal(frameToTimestampUs(441, 44_100), 10_000);
});
