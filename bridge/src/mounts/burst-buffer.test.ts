import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AudioUnit } from '../../../shared/src/audio-unit.ts';
import { BurstBuffer } from './burst-buffer.ts';

const FRAME_US = 26_122;

let serial = 0;
function unit(opts: Partial<AudioUnit> & { bytes?: number } = {}): AudioUnit {
  const data = new Uint8Array(opts.bytes ?? 4);
  data[0] = serial++ & 0xff;
  return { data, durationUs: FRAME_US, isHeader: false, isSyncPoint: true, newStream: false, ...opts };
}
const totalUs = (units: readonly AudioUnit[]) => units.reduce((s, u) => s + u.durationUs, 0);
const totalBytes = (units: readonly AudioUnit[]) => units.reduce((s, u) => s + u.data.byteLength, 0);

/** An Ogg-like chain: BOS header, second header, then audio pages (every `syncEvery`-th a sync point). */
function chain(pages: number, pageUs: number, syncEvery = 1): AudioUnit[] {
  const out = [
    unit({ durationUs: 0, isHeader: true, isSyncPoint: false, newStream: true }),
    unit({ durationUs: 0, isHeader: true, isSyncPoint: false }),
  ];
  for (let i = 0; i < pages; i++) out.push(unit({ durationUs: pageUs, isSyncPoint: i % syncEvery === 0 }));
  return out;
}

describe('BurstBuffer', () => {
  it('gives nothing when empty or when no burst is asked for', () => {
    const b = new BurstBuffer(2);
    assert.deepEqual(b.burst(2), { units: [], startsNewStream: false });
    b.push(unit());
    assert.deepEqual(b.burst(0).units, []);
  });

  it('gives everything it has when it holds less than asked', () => {
    const b = new BurstBuffer(2);
    const units = [unit(), unit(), unit()];
    for (const u of units) b.push(u);
    assert.deepEqual(b.burst(2).units, units);
  });

  it('bursts at least the requested seconds of MP3 frames, ending with the newest frame', () => {
    const b = new BurstBuffer(2);
    const pushed: AudioUnit[] = [];
    for (let i = 0; i < 500; i++) b.push(pushed[pushed.length] = unit());
    const { units, startsNewStream } = b.burst(2);
    assert.equal(startsNewStream, false);
    assert.ok(totalUs(units) >= 2_000_000, `burst of ${totalUs(units)} µs`);
    assert.ok(totalUs(units) < 2_000_000 + FRAME_US, `burst of ${totalUs(units)} µs is no longer than needed`);
    assert.deepEqual(units, pushed.slice(-units.length), 'the burst is the newest audio, in order');
  });

  it('bursts at least the requested seconds for any frame durations and burst sizes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1_000, max: 120_000 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 10 }),
        (durations, seconds) => {
          const b = new BurstBuffer(seconds);
          for (const d of durations) b.push(unit({ durationUs: d }));
          const got = totalUs(b.burst(seconds).units);
          const pushedUs = durations.reduce((s, d) => s + d, 0);
          assert.ok(got >= Math.min(pushedUs, seconds * 1_000_000), `${got} µs of ${pushedUs} µs for ${seconds} s`);
        },
      ),
    );
  });

  it('moves the start back to a sync point, giving more audio rather than less', () => {
    const b = new BurstBuffer(1);
    // Ogg pages of 100 ms; only every 4th page starts on a whole packet.
    for (const u of chain(60, 100_000, 4)) b.push(u);
    const { units } = b.burst(1);
    assert.equal(units[0]!.isSyncPoint, true, 'the burst starts where a player can start');
    assert.ok(totalUs(units) >= 1_000_000, `burst of ${totalUs(units)} µs`);
    assert.ok(totalUs(units) <= 1_300_000, `burst of ${totalUs(units)} µs`);
  });

  it('starts on a sync point whatever the pattern of sync points (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 5 }), (syncs, seconds) => {
        const b = new BurstBuffer(seconds);
        for (const s of syncs) b.push(unit({ durationUs: 50_000, isSyncPoint: s }));
        const { units } = b.burst(seconds);
        if (units.length > 0) assert.equal(units[0]!.isSyncPoint, true);
        // The window (the newest `seconds`) is always kept: a sync point inside it is found.
        else assert.ok(!syncs.slice(-seconds * 20).includes(true), 'a sync point in the window was missed');
      }),
    );
  });

  it('bursts at least the requested seconds when sync points are 1 s apart', () => {
    // Ogg pages of 250 ms where only every 4th starts on a whole packet (packets spanning pages,
    // as libogg writes them). Every phase of the pattern against the trim point is tried.
    const short: string[] = [];
    for (let pages = 20; pages < 24; pages++) {
      const b = new BurstBuffer(2);
      for (let i = 0; i < pages; i++) b.push(unit({ durationUs: 250_000, isSyncPoint: i % 4 === 0 }));
      const { units } = b.burst(2);
      assert.equal(units[0]!.isSyncPoint, true);
      if (totalUs(units) < 2_000_000) short.push(`${totalUs(units) / 1e6} s after ${pages} pages`);
    }
    assert.deepEqual(short, [], 'bursts shorter than the 2 s asked for');
  });

  it('starts at the BOS page of a chain that begins inside the burst window, so its headers come first', () => {
    const b = new BurstBuffer(2);
    for (const u of chain(100, 20_000)) b.push(u); // 2 s of chain A
    const chainB = chain(50, 20_000); // 1 s of chain B
    for (const u of chainB) b.push(u);
    const { units, startsNewStream } = b.burst(2);
    assert.equal(startsNewStream, true);
    assert.deepEqual(units, chainB, 'exactly chain B, from its BOS page, and nothing of chain A');
  });

  it('keeps the stored headers in use when the window begins after the newest BOS', () => {
    const b = new BurstBuffer(1);
    for (const u of chain(200, 20_000)) b.push(u); // 4 s of one chain
    const { units, startsNewStream } = b.burst(1);
    assert.equal(startsNewStream, false);
    assert.ok(units.every((u) => !u.isHeader), 'no header pages inside the burst');
    assert.equal(units[0]!.isSyncPoint, true);
  });

  it('keeps only a little more than its configured seconds', () => {
    const b = new BurstBuffer(2);
    for (let i = 0; i < 2000; i++) b.push(unit());
    const all = b.burst(1000).units;
    assert.ok(totalUs(all) >= 2_000_000, `${totalUs(all)} µs kept`);
    assert.ok(totalUs(all) <= 3_000_000, `${totalUs(all)} µs kept`);
  });

  it('never holds more than its byte cap (plus one unit), however long the stream', () => {
    const maxBytes = 256 * 1024;
    const b = new BurstBuffer(30, maxBytes);
    // 200 000 frames of 1 KiB (≈ 87 min of audio, 195 MiB).
    for (let i = 0; i < 200_000; i++) b.push(unit({ bytes: 1024 }));
    const kept = b.burst(30).units;
    assert.ok(totalBytes(kept) <= maxBytes + 1024, `${totalBytes(kept)} bytes kept`);
    const internal = (b as unknown as { units: unknown[] }).units;
    assert.ok(internal.length < 3 * kept.length + 1100, `the internal array holds ${internal.length} entries for ${kept.length} kept`);
  });

  it('starts empty again after clear()', () => {
    const b = new BurstBuffer(2);
    for (let i = 0; i < 100; i++) b.push(unit());
    b.clear();
    assert.deepEqual(b.burst(2).units, []);
    const next = unit();
    b.push(next);
    assert.deepEqual(b.burst(2).units, [next]);
  });
});

it('a stream without any sync point still stays under the byte cap', () => {
  const buffer = new BurstBuffer(2, 64 * 1024);
  for (let i = 0; i < 10_000; i++) {
    buffer.push({ data: new Uint8Array(1000), durationUs: 20_000, isHeader: false, isSyncPoint: false, newStream: false });
  }
  const { units } = buffer.burst(100);
  const bytes = units.reduce((a, u) => a + u.data.byteLength, 0);
  assert.ok(bytes <= 64 * 1024, `kept ${bytes} bytes under a 64 KiB cap`);
});
