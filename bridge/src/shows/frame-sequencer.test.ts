import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { decodeAudioFrame, encodeAudioFrame } from '../../../shared/src/protocol/audio-frame.ts';
import { ResendBuffer } from '../../../shared/src/protocol/resend-buffer.ts';
import { FrameSequencer } from './frame-sequencer.ts';

describe('FrameSequencer', () => {
  it('passes frames in order on and ignores resends of frames it has', () => {
    const s = new FrameSequencer();
    assert.equal(s.accept(0, 0).verdict, 'new');
    assert.equal(s.accept(1, 0).verdict, 'new');
    assert.equal(s.accept(0, 0).verdict, 'duplicate');
    assert.equal(s.accept(1, 0).verdict, 'duplicate');
    assert.equal(s.accept(2, 0).verdict, 'new');
    assert.equal(s.expectedSeq, 3);
    assert.equal(s.ackedSeq, 2);
    assert.equal(s.duplicates, 2);
  });

  it('reports a gap as STUDIO_FRAME_OUT_OF_ORDER naming both seqs, and stays where it was', () => {
    const s = new FrameSequencer();
    s.accept(0, 0);
    assert.throws(() => s.accept(5, 0), (err: unknown) =>
      isAircheckError(err, 'STUDIO_FRAME_OUT_OF_ORDER') && /seq 5 arrived, expected 1 \(4 frame\(s\) missing\).*resend from welcome.nextSeq/.test(err.message));
    assert.equal(s.expectedSeq, 1);
  });

  it('acks as soon as 10 frames arrived since the last ack', () => {
    const s = new FrameSequencer();
    const acks: (number | null)[] = [];
    for (let seq = 0; seq < 25; seq++) acks.push(s.accept(seq, 0).ackSeq);
    assert.deepEqual(acks.map((a, i) => (a === null ? null : [i, a])).filter((x) => x !== null), [[9, 9], [19, 19]]);
  });

  it('acks 100 ms after the first unacknowledged frame when fewer than 10 arrived', () => {
    const s = new FrameSequencer();
    assert.equal(s.nextAckAtMs(), null, 'nothing to ack before the first frame');
    assert.equal(s.pollAck(1000), null);
    assert.equal(s.accept(0, 1000).ackSeq, null);
    assert.equal(s.accept(1, 1020).ackSeq, null);
    assert.equal(s.nextAckAtMs(), 1100);
    assert.equal(s.pollAck(1099), null);
    assert.equal(s.pollAck(1100), 1);
    assert.equal(s.pollAck(1200), null, 'no ack without new frames');
    assert.equal(s.nextAckAtMs(), null);
    assert.equal(s.accept(2, 1300).ackSeq, null);
    assert.equal(s.accept(3, 1401).ackSeq, 3, 'a frame arriving after the deadline carries the ack');
  });

  it('acks resends too, so a studio that resent frames the bridge had learns they arrived', () => {
    const s = new FrameSequencer({ ackEveryFrames: 3, ackEveryMs: 50 });
    for (let seq = 0; seq < 3; seq++) s.accept(seq, 0);
    assert.equal(s.accept(1, 10).ackSeq, null);
    assert.equal(s.accept(2, 11).ackSeq, null);
    assert.equal(s.accept(2, 12).ackSeq, 2, 'three duplicates re-ack the same seq');
    assert.equal(s.accept(0, 20).ackSeq, null);
    assert.equal(s.pollAck(70), 2);
  });

  it('resumes where it stopped, or skips the frames a studio had to drop', () => {
    const s = new FrameSequencer();
    for (let seq = 0; seq < 4; seq++) s.accept(seq, 0);
    assert.equal(s.resume(2), 4, 'the studio still holds 2 and 3; the bridge wants 4');
    assert.equal(s.nextAckAtMs(), null, 'the welcome acknowledges what came before');
    assert.equal(s.resume(9), 9, 'the studio lost 4..8 to its full buffer');
    assert.equal(s.lostFrames, 5);
    assert.equal(s.accept(9, 0).verdict, 'new');
    assert.equal(new FrameSequencer({ firstSeq: 100 }).accept(100, 0).verdict, 'new');
  });

  it('refuses nonsense options', () => {
    assert.throws(() => new FrameSequencer({ ackEveryFrames: 0 }), RangeError);
    assert.throws(() => new FrameSequencer({ ackEveryMs: 0 }), RangeError);
  });
});

// The studio's buffer, the wire format and the bridge's sequencer together, on a fake clock.
describe('studio → bridge over a flaky connection', () => {
  interface Outcome {
    received: number[];
    closes: number;
  }

  /**
   * 20 ms frames for `frames` × 20 ms. The connection is down during each `drops` interval (frames
   * sent then are lost; in-flight acks too). On reconnect the studio resumes: the bridge answers
   * nextSeq and the studio resends from there. `reorder` swaps the order of two sends once, which
   * the bridge must refuse as a gap (the studio then reconnects).
   */
  function run(frames: number, drops: readonly [number, number][], opts: { bufferMs?: number; reorderAt?: number } = {}): Outcome & { dropped: number; lost: number } {
    const buffer = new ResendBuffer(opts.bufferMs === undefined ? {} : { maxDurationMs: opts.bufferMs });
    const bridge = new FrameSequencer();
    const received: number[] = [];
    let up = true;
    let closes = 0;
    const send = (bytes: Uint8Array, nowMs: number): void => {
      if (!up) return;
      const frame = decodeAudioFrame(bytes);
      try {
        const { verdict, ackSeq } = bridge.accept(frame.seq, nowMs);
        if (verdict === 'new') received.push(frame.seq);
        if (ackSeq !== null) buffer.ack(ackSeq);
      } catch (err) {
        assert.ok(isAircheckError(err, 'STUDIO_FRAME_OUT_OF_ORDER'));
        up = false; // the bridge closes with 4005; the studio reconnects next tick
        closes++;
      }
    };
    const reconnect = (nowMs: number): void => {
      // hello with resume → welcome with nextSeq → resend from there.
      up = true;
      const nextSeq = bridge.resume(buffer.oldestSeq);
      buffer.ack(nextSeq - 1);
      for (const f of buffer.framesFrom(nextSeq)) send(f.data, nowMs);
    };
    let held: Uint8Array | null = null;
    for (let i = 0; i < frames; i++) {
      const nowMs = i * 20;
      const isDown = drops.some(([from, to]) => nowMs >= from && nowMs < to);
      if (!up && !isDown) reconnect(nowMs);
      else if (isDown) up = false;
      const data = encodeAudioFrame({ seq: i, timestampUs: i * 20_000, durationSamples: 960, packet: new Uint8Array([0xfc, i & 0xff]) });
      buffer.push({ seq: i, durationSamples: 960, data }, nowMs);
      if (opts.reorderAt === i) {
        held = data;
        continue;
      }
      send(data, nowMs);
      if (held !== null) {
        send(held, nowMs);
        held = null;
      }
      const ack = bridge.pollAck(nowMs);
      if (ack !== null && up) buffer.ack(ack);
    }
    if (!up) reconnect(frames * 20);
    return { received, closes, dropped: buffer.droppedFrames, lost: bridge.lostFrames };
  }

  const all = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('a drop shorter than the buffer loses nothing: every frame arrives once, in order', () => {
    const { received, dropped, lost } = run(10_000, [[30_000, 90_000], [120_000, 121_000]]);
    assert.equal(dropped, 0);
    assert.equal(lost, 0);
    assert.deepEqual(received, all(10_000));
  });

  it('a drop longer than the buffer loses only what the buffer dropped, and the bridge skips exactly that', () => {
    const { received, dropped, lost } = run(5000, [[10_000, 40_000]], { bufferMs: 10_000 });
    assert.ok(dropped > 0);
    // Some dropped frames had reached the bridge before their ack was lost with the connection.
    assert.ok(lost > 0 && lost <= dropped, `lost ${lost}, dropped ${dropped}`);
    assert.equal(received.length, 5000 - lost);
    assert.deepEqual(received, [...received].sort((a, b) => a - b));
    assert.equal(new Set(received).size, received.length);
  });

  it('a reordered send is refused as a gap, and the reconnect repairs it', () => {
    const { received, closes } = run(200, [], { reorderAt: 50 });
    assert.equal(closes, 1);
    assert.deepEqual(received, all(200));
  });

  it('delivers every frame exactly once under random drops shorter than the buffer (fuzz)', () => {
    const drop = fc.tuple(fc.integer({ min: 0, max: 38_000 }), fc.integer({ min: 1, max: 5000 }))
      .map(([from, len]) => [from, from + len] as [number, number]);
    fc.assert(fc.property(fc.array(drop, { maxLength: 5 }), (drops) => {
      const { received, dropped } = run(2000, drops, { bufferMs: 30_000 });
      assert.equal(dropped, 0);
      assert.deepEqual(received, all(2000));
    }), { numRuns: 100 });
  });
});
