// The visualizer's bars: silence draws nothing, a tone lights the bar of its frequency.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BAR_COUNT, barHeights } from './visualizer-controller.ts';

describe('visualizer bars', () => {
  it('silence gives flat bars', () => {
    assert.deepEqual(barHeights(new Uint8Array(128)), new Array(BAR_COUNT).fill(0));
  });

  it('a tone lights one bar, scaled 0..1, and every bin up to three quarters is in some bar', () => {
    const bins = new Uint8Array(128);
    bins[10] = 255;
    const bars = barHeights(bins);
    assert.equal(bars.length, BAR_COUNT);
    assert.equal(bars.filter((h) => h === 1).length, 1);
    for (let b = 0; b < 96; b++) {
      const one = new Uint8Array(128);
      one[b] = 200;
      assert.ok(barHeights(one).some((h) => h > 0), `bin ${b} shows`);
    }
  });
});
