// The station document as the page reads it: defaults for what is missing, no jargon in the states,
// no stale title once nothing plays, and one player per mount (an MP3 rung is not a second mount).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { airStateLabel, airStateOf, nowPlayingOf, parseStation, playableMounts, showLine } from './station-document.ts';

const live = {
  path: '/live', name: 'Live', description: 'The show', onAir: true, offAirMusic: false, title: 'Nina Simone - Sinnerman',
  dj: 'ann', show: 'Morning', listeners: 3,
  streams: [
    { url: 'http://h:8000/live', contentType: 'audio/ogg', codec: 'opus', bitrateKbps: 96 },
    { url: 'http://h:8000/live.mp3', contentType: 'audio/mpeg', codec: 'mp3', bitrateKbps: 128 },
  ],
  recentTracks: [{ title: 'A', at: '2026-12-03T10:00:00Z' }], m3u: '/live.m3u', pls: '/live.pls',
};

describe('station document', () => {
  it('reads a full document as sent', () => {
    const doc = parseStation({ name: 'Radio X', description: 'd', mounts: [live], today: [] });
    assert.equal(doc.name, 'Radio X');
    assert.deepEqual(doc.mounts[0], live);
  });

  it('fills what is missing and drops what cannot be a mount, a stream or a show', () => {
    const doc = parseStation({
      mounts: [{ path: '/x', streams: [{ url: '' }, { url: 'http://h/x', contentType: 'audio/mpeg' }], listeners: -2 }, { name: 'no path' }, 'junk'],
      today: [{ show: 'S', startAt: 'never', endAt: 'never' }, { show: 'B', dj: null, startAt: '2026-12-03T12:00:00Z', endAt: '2026-12-03T13:00:00Z' }, { show: 'A', dj: 'ann', startAt: '2026-12-03T09:00:00Z', endAt: '2026-12-03T10:00:00Z' }],
    });
    assert.equal(doc.mounts.length, 1);
    const m = doc.mounts[0]!;
    assert.equal(m.name, '/x');
    assert.equal(m.listeners, 0);
    assert.deepEqual(m.streams, [{ url: 'http://h/x', contentType: 'audio/mpeg', codec: 'mp3', bitrateKbps: null }]);
    assert.equal(m.m3u, '/x.m3u');
    assert.deepEqual(doc.today.map((s) => s.show), ['A', 'B'], 'valid shows only, in time order');
  });

  it('refuses a document that is not a station document', () => {
    assert.throws(() => parseStation({ code: 'X' }), /mounts/);
    assert.throws(() => parseStation(null), /mounts/);
  });

  it('says "Off air — music continues" for a fallback and never "fallback"', () => {
    const base = parseStation({ mounts: [live] }).mounts[0]!;
    assert.equal(airStateLabel(airStateOf(base)), 'On air');
    assert.equal(airStateLabel(airStateOf({ ...base, onAir: false, offAirMusic: true })), 'Off air — music continues');
    assert.equal(airStateLabel(airStateOf({ ...base, onAir: false, offAirMusic: false })), 'Off air');
    for (const s of ['on-air', 'off-air-music', 'off-air'] as const) assert.doesNotMatch(airStateLabel(s), /fallback|mount|source/i);
  });

  it('shows no title while nothing plays, and the document title otherwise', () => {
    const base = parseStation({ mounts: [live] }).mounts[0]!;
    assert.equal(nowPlayingOf(base), 'Nina Simone - Sinnerman');
    assert.equal(nowPlayingOf({ ...base, onAir: false, offAirMusic: false }), '', 'a stale title never outlives the show');
    assert.equal(nowPlayingOf({ ...base, onAir: false, offAirMusic: true, title: '' }), '');
  });

  it('gives a mount listed only as another mount\'s stream no player of its own', () => {
    const rung = { ...live, path: '/live.mp3', name: 'Live MP3', streams: [live.streams[1]] };
    const other = { ...live, path: '/jazz', streams: [{ url: 'http://h:8000/jazz', contentType: 'audio/ogg', codec: 'opus', bitrateKbps: null }] };
    const twin = { ...other, path: '/jazz2' };
    const doc = parseStation({ mounts: [rung, live, other, twin, { path: '/empty', streams: [] }] });
    assert.deepEqual(playableMounts(doc).map((m) => m.path), ['/live', '/jazz', '/empty']);
  });

  it('names the show and the DJ in plain words', () => {
    assert.equal(showLine('Morning', 'ann'), 'Morning with ann');
    assert.equal(showLine(null, 'ann'), 'with ann');
    assert.equal(showLine('Morning', null), 'Morning');
    assert.equal(showLine(null, null), '');
  });
});
