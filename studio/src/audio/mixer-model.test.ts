import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureConstraints, channelGains, clampFaderDb } from './mixer-model.ts';
import type { ChannelSettings, MasterSettings } from './mixer-model.ts';

const master: MasterSettings = { gainDb: 0, talkover: false, talkoverDepthDb: 12, cueGainDb: 0 };
const voice: ChannelSettings = { id: 'a', label: 'Mic 1', kind: 'input', deviceId: '', mode: 'voice', gainDb: 0, muted: false, cue: false };
const music: ChannelSettings = { ...voice, id: 'b', label: 'Line 1', mode: 'music', gainDb: -6 };
const carts: ChannelSettings = { ...voice, id: 'c', label: 'Carts', kind: 'carts', mode: 'music' };

test('talkover ducks music inputs and carts by the set depth, never a voice', () => {
  const on = { ...master, talkover: true };
  assert.equal(channelGains(voice, on).duck, 1);
  assert.ok(Math.abs(channelGains(music, on).duck - 10 ** (-12 / 20)) < 1e-12);
  assert.ok(Math.abs(channelGains(carts, on).duck - 10 ** (-12 / 20)) < 1e-12);
  assert.equal(channelGains(music, master).duck, 1);
});

test('mute silences the fader and cue is a post-fader send', () => {
  assert.equal(channelGains({ ...voice, muted: true }, master).fader, 0);
  assert.ok(Math.abs(channelGains(music, master).fader - 0.501) < 0.001);
  assert.equal(channelGains({ ...voice, cue: true }, master).cueSend, 1);
});

test('music mode turns echo cancellation, noise suppression and auto gain off', () => {
  const m = captureConstraints('dev1', 'music').audio as MediaTrackConstraints;
  assert.equal(m.echoCancellation, false);
  assert.equal(m.noiseSuppression, false);
  assert.equal(m.autoGainControl, false);
  assert.deepEqual(m.deviceId, { exact: 'dev1' });
  const v = captureConstraints('', 'voice').audio as MediaTrackConstraints;
  assert.equal(v.echoCancellation, true);
  assert.equal(v.deviceId, undefined);
});

test('faders stay within −60…+6 dB', () => {
  assert.equal(clampFaderDb(20), 6);
  assert.equal(clampFaderDb(-100), -60);
  assert.equal(clampFaderDb(Number.NaN), -60);
});
