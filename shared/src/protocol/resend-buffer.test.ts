import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_RESEND_BUFFER_MS, ResendBuffer } from './resend-buffer.ts';
import type { ResendFrame } from './resend-buffer.ts';

const FRAME_SAMPLES = 960; // 20 ms
const frame = (seq: number, bytes = 100, durationSamples = FRAME_SAMPLES): ResendFrame =>
  ({ seq, durationSamples, data: new Uint8Array(bytes) });
const seqs = (frames: readonly ResendFrame[]) => frames.map((f) => f.seq);

describe('ResendBuffer', () => {
  it('holds at least two minutes of audio by default', () => {
    const b = new ResendBuffer();
    assert.ok(DEFAULT_RESEND_BUFFER_MS >= 120_000);
    // Two minutes of 20 ms frames at 128 kbps (320-byte packets + 16-byte header) fit without a drop.
    for (let seq = 0; seq < 6000; seq++) assert.equal(b.push(frame(seq, 336), seq * 20), 0);
    assert.equal(b.bufferedMs, 120_000);
    assert.equal(b.droppedFrames, 0);
  });

  it('releases frames up to the acknowledged seq and reports what is still unacknowledged', () => {
    const b = new ResendBuffer();
    for (let seq = 0; seq < 10; seq++) b.push(frame(seq), 0);
    assert.equal(b.ack(3), 4);
    assert.equal(b.oldestSeq, 4);
    assert.equal(b.length, 6);
    assert.equal(b.bufferedMs, 120);
    assert.equal(b.bufferedBytes, 600);
    assert.equal(b.ack(3), 0, 'a repeated ack releases nothing');
    assert.equal(b.ack(1), 0, 'an older ack releases nothing');
    assert.equal(b.ack(9), 6);
    assert.equal(b.length, 0);
    assert.equal(b.oldestSeq, 10, 'an empty buffer resumes at nextSeq');
    assert.equal(b.bufferedMs, 0);
  });

  it('gives the frames to resend from the bridge\'s nextSeq, oldest first', () => {
    const b = new ResendBuffer();
    for (let seq = 0; seq < 10; seq++) b.push(frame(seq), 0);
    b.ack(2);
    assert.deepEqual(seqs(b.framesFrom(6)), [6, 7, 8, 9]);
    assert.deepEqual(seqs(b.framesFrom(0)), [3, 4, 5, 6, 7, 8, 9], 'from the oldest held when asked for older');
    assert.deepEqual(seqs(b.framesFrom(10)), []);
    assert.equal(b.length, 7, 'framesFrom does not release anything');
  });

  it('drops the oldest frames when the duration bound is passed, counts them and keeps the newest', () => {
    const b = new ResendBuffer({ maxDurationMs: 100 }); // five 20 ms frames
    for (let seq = 0; seq < 5; seq++) assert.equal(b.push(frame(seq), 0), 0);
    assert.equal(b.push(frame(5), 0), 1);
    assert.equal(b.push(frame(6, 100, 1920), 0), 2, 'a 40 ms frame pushes out two 20 ms ones');
    assert.deepEqual(seqs(b.framesFrom(0)), [3, 4, 5, 6]);
    assert.equal(b.oldestSeq, 3);
    assert.equal(b.droppedFrames, 3);
    assert.equal(b.droppedMs, 60);
    assert.equal(b.bufferedMs, 100);
  });

  it('drops the oldest frames when the byte bound is passed, but never the frame just pushed', () => {
    const b = new ResendBuffer({ maxBytes: 250 });
    b.push(frame(0, 100), 0);
    b.push(frame(1, 100), 0);
    assert.equal(b.push(frame(2, 100), 0), 1);
    assert.deepEqual(seqs(b.framesFrom(0)), [1, 2]);
    assert.equal(b.push(frame(3, 1000), 0), 2, 'a frame larger than the bound is still held, alone');
    assert.deepEqual(seqs(b.framesFrom(0)), [3]);
    assert.equal(b.bufferedBytes, 1000);
  });

  it('refuses a frame out of sequence', () => {
    const b = new ResendBuffer({ firstSeq: 7 });
    assert.throws(() => b.push(frame(8), 0), /pushed seq 8, expected 7/);
    b.push(frame(7), 0);
    assert.throws(() => b.push(frame(7), 0), /expected 8/);
    assert.throws(() => new ResendBuffer({ maxDurationMs: 0 }), RangeError);
  });

  it('tells how long the oldest unacknowledged frame has waited, on the caller\'s clock', () => {
    const b = new ResendBuffer();
    assert.equal(b.oldestAgeMs(1000), 0);
    b.push(frame(0), 1000);
    b.push(frame(1), 1020);
    assert.equal(b.oldestAgeMs(1150), 150);
    b.ack(0);
    assert.equal(b.oldestAgeMs(1150), 130);
  });

  it('stays correct across many frames (its storage compacts)', () => {
    const b = new ResendBuffer({ maxDurationMs: 1000 });
    for (let seq = 0; seq < 20_000; seq++) {
      b.push(frame(seq), seq * 20);
      if (seq % 7 === 0) b.ack(seq - 3);
    }
    assert.equal(b.nextSeq, 20_000);
    assert.ok(b.bufferedMs <= 1000);
    const held = seqs(b.framesFrom(0));
    assert.equal(held[0], b.oldestSeq);
    assert.equal(held.at(-1), 19_999);
    assert.equal(held.length, b.length);
  });

  it('matches a simple model under any mix of pushes and acks (fuzz)', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 1, max: 400 }), samples: fc.constantFrom(120, 480, 960, 2880) }),
      fc.record({ ack: fc.integer({ min: -2, max: 40 }) }),
    );
    fc.assert(fc.property(
      fc.integer({ min: 20, max: 500 }), fc.integer({ min: 200, max: 3000 }), fc.array(op, { maxLength: 200 }),
      (maxDurationMs, maxBytes, ops) => {
        const b = new ResendBuffer({ maxDurationMs, maxBytes });
        let model: ResendFrame[] = [];
        let next = 0;
        let dropped = 0;
        for (const o of ops) {
          if ('push' in o) {
            const f = frame(next++, o.push, o.samples);
            const d = b.push(f, 0);
            model.push(f);
            let n = 0;
            const total = () => model.reduce((s, m) => s + m.durationSamples, 0);
            const bytes = () => model.reduce((s, m) => s + m.data.length, 0);
            while (model.length > 1 && (total() > maxDurationMs * 48 || bytes() > maxBytes)) {
              model.shift();
              n++;
            }
            assert.equal(d, n);
            dropped += n;
          } else {
            const upTo = b.oldestSeq + o.ack - 2;
            b.ack(upTo);
            model = model.filter((m) => m.seq > upTo);
          }
          assert.deepEqual(seqs(b.framesFrom(0)), seqs(model));
          assert.equal(b.oldestSeq, model[0]?.seq ?? next);
          assert.equal(b.droppedFrames, dropped);
          assert.equal(b.bufferedMs, model.reduce((s, m) => s + m.durationSamples, 0) / 48);
          assert.ok(b.length <= 1 || (b.bufferedMs <= maxDurationMs && b.bufferedBytes <= maxBytes));
        }
      },
    ), { numRuns: 300 });
  });
});
