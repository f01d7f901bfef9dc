import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AudioUnit } from '../../../shared/src/audio-unit.ts';
import { Pacer } from './pacer.ts';

/** One MP3 frame at 44.1 kHz: 1152 samples ≈ 26 122 µs. */
const FRAME_US = 26_122;

let serial = 0;
function audio(durationUs = FRAME_US): AudioUnit {
  return { data: Uint8Array.of(serial++ & 0xff), durationUs, isHeader: false, isSyncPoint: true, newStream: false };
}
function header(): AudioUnit {
  return { data: Uint8Array.of(0xee), durationUs: 0, isHeader: true, isSyncPoint: false, newStream: false };
}
const frames = (n: number, durationUs = FRAME_US) => Array.from({ length: n }, () => audio(durationUs));
const totalUs = (units: readonly AudioUnit[]) => units.reduce((s, u) => s + u.durationUs, 0);

describe('Pacer', () => {
  it('releases nothing before the first unit arrives', () => {
    const pacer = new Pacer();
    assert.deepEqual(pacer.releaseDue(5_000_000), []);
    assert.equal(pacer.leadUs(5_000_000), 0);
  });

  it('releases a source faster than real time at real time, never ahead by more than one unit', () => {
    const pacer = new Pacer();
    const t0 = 1_000_000_000;
    // 10 s of audio arrives at once (a file pushed without -re).
    const all = frames(383);
    pacer.enqueue(all, t0);
    let releasedUs = 0;
    let releasedUnits = 0;
    for (let elapsedUs = 0; elapsedUs <= 9_000_000; elapsedUs += 100_000) {
      const out = pacer.releaseDue(t0 + elapsedUs);
      releasedUs += totalUs(out);
      releasedUnits += out.length;
      // Released media time runs with the clock: past `elapsed`, by less than one frame.
      assert.ok(releasedUs > elapsedUs, `at ${elapsedUs} µs only ${releasedUs} µs released`);
      assert.ok(releasedUs <= elapsedUs + FRAME_US, `at ${elapsedUs} µs already ${releasedUs} µs released`);
    }
    assert.equal(pacer.queuedUnits, all.length - releasedUnits);
  });

  it('keeps units in order and loses none (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 50 }),
        (durations, steps) => {
          const pacer = new Pacer();
          const units = durations.map((d) => (d === 0 ? header() : audio(d)));
          pacer.enqueue(units, 0);
          const out: AudioUnit[] = [];
          let now = 0;
          for (const s of steps) pacer.releaseDue((now += s), out);
          pacer.releaseAll(out);
          assert.deepEqual(out, units);
        },
      ),
    );
  });

  it('sends a zero-duration header unit with the unit after it, not with the one before', () => {
    const pacer = new Pacer();
    const a1 = audio(20_000);
    const h = header();
    const a2 = audio(20_000);
    pacer.enqueue([a1, h, a2], 0);
    assert.deepEqual(pacer.releaseDue(0), [a1], 'at 0 µs only the first audio unit is due');
    assert.deepEqual(pacer.releaseDue(19_999), [], 'the header waits for the audio it belongs to');
    assert.deepEqual(pacer.releaseDue(20_000), [h, a2], 'the header and its audio go together');
  });

  it('sends the header pages that open a stream together with its first audio unit', () => {
    const pacer = new Pacer();
    const units = [header(), header(), audio(20_000), audio(20_000)];
    pacer.enqueue(units, 500);
    assert.deepEqual(pacer.releaseDue(500), units.slice(0, 3));
  });

  it('does not burst to catch up a source that fell more than 1 s behind', () => {
    const pacer = new Pacer();
    pacer.enqueue(frames(38), 0); // ≈ 1 s
    pacer.releaseDue(2_000_000);
    assert.equal(pacer.queuedUnits, 0);
    // The source stalls for 5 s, then sends 2 s at once.
    const late = frames(77);
    pacer.enqueue(late, 6_000_000);
    const now = pacer.releaseDue(6_000_000);
    assert.ok(totalUs(now) <= FRAME_US, `released ${totalUs(now)} µs at once after a stall`);
    // From there on it plays at real time again.
    const later = pacer.releaseDue(7_000_000);
    assert.ok(Math.abs(totalUs(now) + totalUs(later) - 1_000_000) <= FRAME_US, `${totalUs(now) + totalUs(later)} µs in the first second`);
  });

  it('catches up at most 1 s of a source that fell a little behind', () => {
    const pacer = new Pacer();
    pacer.enqueue(frames(38), 0);
    pacer.releaseDue(1_000_000);
    // 0.8 s late: that much may go out at once, not more.
    pacer.enqueue(frames(77), 1_800_000);
    const burst = totalUs(pacer.releaseDue(1_800_000));
    assert.ok(burst <= 1_000_000 + FRAME_US, `burst of ${burst} µs`);
    assert.ok(burst > 700_000, `a small lag is made up (${burst} µs)`);
  });

  it('reports how far the queued audio runs ahead of the clock (leadUs)', () => {
    const pacer = new Pacer();
    pacer.enqueue(frames(100, 30_000), 1_000_000); // 3 s
    assert.equal(pacer.leadUs(1_000_000), 3_000_000);
    assert.equal(pacer.leadUs(2_500_000), 1_500_000);
    pacer.releaseDue(2_500_000);
    assert.equal(pacer.leadUs(2_500_000), 1_500_000, 'releasing does not change the lead');
    pacer.enqueue(frames(10, 30_000), 2_500_000);
    assert.equal(pacer.leadUs(2_500_000), 1_800_000);
    assert.equal(pacer.leadUs(5_000_000), -700_000, 'a source that stopped sending lags (negative lead)');
  });

  it('restarts its clock on reset (a file feed looping after a pause)', () => {
    const pacer = new Pacer();
    pacer.enqueue(frames(40), 0);
    pacer.reset();
    assert.equal(pacer.queuedUnits, 0);
    assert.equal(pacer.leadUs(10_000_000), 0);
    const again = frames(3, 10_000);
    pacer.enqueue(again, 10_000_000);
    assert.deepEqual(pacer.releaseDue(10_000_000), again.slice(0, 1));
  });

  it('compacts its queue: releasing 100 000 units keeps only what is still queued', () => {
    const pacer = new Pacer();
    let now = 0;
    for (let i = 0; i < 1000; i++) {
      pacer.enqueue(frames(100, 1000), now);
      now += 100_000;
      pacer.releaseDue(now);
    }
    assert.ok(pacer.queuedUnits <= 1, `${pacer.queuedUnits} queued`);
    const internal = (pacer as unknown as { queue: unknown[] }).queue;
    assert.ok(internal.length < 1000, `the internal array holds ${internal.length} entries`);
  });
});
