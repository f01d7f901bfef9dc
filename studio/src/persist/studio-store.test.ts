// What a reload finds in localStorage: the kept login, show and mixer, read back as written; anything
// malformed is dropped, never trusted; and where a resumed show's numbering continues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIXER_KEY, SHOW_KEY, StudioStore, seqAfterAbsence, type KeyValueStore, type SavedShow } from './studio-store.ts';

function memory(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

const SHOW: SavedShow = { sessionId: 'sess-12345678', target: 'live', bitrateKbps: 128, nextSeq: 1500, savedAtMs: 1_000_000, frameDurationMs: 20 };

test('the login, the show and the mixer read back as they were kept', () => {
  const store = new StudioStore(memory());
  store.saveLogin({ name: 'ann', token: 'tok-0123456789abcdef' });
  store.saveShow(SHOW);
  store.saveMixer([
    { id: 'in-1', label: 'Line 1', kind: 'input', deviceId: 'dev-a', mode: 'music', gainDb: -6, muted: true, cue: false },
    { id: 'carts', label: 'Carts', kind: 'carts', deviceId: '', mode: 'music', gainDb: 0, muted: false, cue: true },
  ], { gainDb: -3, talkover: false, talkoverDepthDb: 12, cueGainDb: -10 });
  assert.deepEqual(store.login(), { name: 'ann', token: 'tok-0123456789abcdef' });
  assert.deepEqual(store.show(), SHOW);
  const mixer = store.mixer()!;
  assert.deepEqual(mixer.channels.map((c) => [c.label, c.deviceId, c.mode, c.gainDb, c.muted, c.cue]), [['Line 1', 'dev-a', 'music', -6, true, false], ['Carts', '', 'music', 0, false, true]]);
  assert.equal(mixer.master.gainDb, -3);
  store.clearShow();
  assert.equal(store.show(), null);
});

test('a kept show or mixer that is not what this studio writes is dropped, not trusted', () => {
  const kv = memory();
  const store = new StudioStore(kv);
  kv.setItem(SHOW_KEY, JSON.stringify({ ...SHOW, nextSeq: -1 }));
  assert.equal(store.show(), null);
  assert.equal(kv.getItem(SHOW_KEY), null, 'removed');
  kv.setItem(MIXER_KEY, '{not json');
  assert.equal(store.mixer(), null);
  kv.setItem(SHOW_KEY, JSON.stringify({ ...SHOW, target: 'elsewhere' }));
  assert.equal(store.show(), null);
});

test('a resumed show continues its numbering by the wall time since it was kept, a frame for every 20 ms begun', () => {
  assert.equal(seqAfterAbsence(SHOW, SHOW.savedAtMs), 1500);
  assert.equal(seqAfterAbsence(SHOW, SHOW.savedAtMs + 1), 1501);
  assert.equal(seqAfterAbsence(SHOW, SHOW.savedAtMs + 3000), 1650, '3 s away: 150 frames');
  assert.equal(seqAfterAbsence(SHOW, SHOW.savedAtMs - 5000), 1500, 'a clock set back never renumbers below what was sent');
});
