// The header's state: reconnecting and a dropped connection never read as off air; ON AIR only when
// the bridge says so; the timer text and the tab title.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AIR_LOOKS, airState, formatShowTime, tabTitle, type AirStateInput } from './air-state.ts';

const base: AirStateInput = { signedIn: true, uplinkStatus: 'connected', target: 'live', onAir: true, connecting: false };

describe('air state', () => {
  it('shows ON AIR only while connected and the bridge says onAir', () => {
    assert.equal(airState(base), 'on-air');
    assert.equal(airState({ ...base, onAir: false }), 'going-live');
    assert.equal(airState({ ...base, uplinkStatus: 'reconnecting' }), 'reconnecting', 'a dropped connection is not ON AIR');
    assert.equal(airState({ ...base, target: 'test', onAir: false }), 'preview');
  });

  it('a lost connection has its own label, unlike off air', () => {
    const labels = new Set(Object.values(AIR_LOOKS).map((l) => l.label));
    assert.equal(labels.size, Object.keys(AIR_LOOKS).length, 'every state has its own label');
    assert.notEqual(AIR_LOOKS[airState({ ...base, uplinkStatus: 'reconnecting' })].label, AIR_LOOKS['off-air'].label);
    assert.equal(airState({ ...base, uplinkStatus: null, target: 'none', onAir: false }), 'off-air');
    assert.equal(airState({ ...base, uplinkStatus: null, connecting: true }), 'connecting');
    assert.equal(airState({ ...base, signedIn: false }), 'signed-out');
    assert.equal(airState({ ...base, uplinkStatus: 'ended' }), 'ended');
  });

  it('formats the show timer and the tab title', () => {
    assert.equal(formatShowTime(754_999), '12:34');
    assert.equal(formatShowTime(3_723_000), '1:02:03');
    assert.equal(tabTitle('on-air', 754_000), '● ON AIR 12:34 — Aircheck Studio');
    assert.equal(tabTitle('reconnecting', 5000), '⚠ RECONNECTING 0:05 — Aircheck Studio');
    assert.equal(tabTitle('off-air', null), 'Aircheck Studio');
  });
});
