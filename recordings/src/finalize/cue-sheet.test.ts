import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCueSheet, cueString, cueTime } from './cue-sheet.ts';
import { MANIFEST_FILE, readManifest } from '../show-manifest.ts';

test('cueTime: mm:ss:ff at 75 frames per second, minutes past 99 for long shows', () => {
  assert.equal(cueTime(0), '00:00:00');
  assert.equal(cueTime(1000 / 75), '00:00:01');
  assert.equal(cueTime(61_000 + 500), '01:01:38'); // 0.5 s = 37.5 frames → 38
  assert.equal(cueTime(999_994), '16:40:00'); // 74.55 frames round up into the next second
  assert.equal(cueTime(101 * 60_000), '101:00:00');
});

test('cueString: a quote cannot end the field, a line break cannot start a command', () => {
  assert.equal(cueString('Say "hi"\r\nFILE "x"'), '"Say \u201dhi\u201dFILE \u201dx\u201d"');
});

test('buildCueSheet: a track per title at its time, untitled stretches named after the show', () => {
  const cue = buildCueSheet({
    dj: 'nina', startedAt: '2026-12-02T10:00:00.000Z',
    tracklist: [
      { offsetMs: 1500, at: '2026-12-02T10:00:01.500Z', artist: 'Nina Simone', title: 'Sinnerman' },
      { offsetMs: 62_000, at: '2026-12-02T10:01:02.000Z', artist: '', title: '' },
    ],
  }, 'show.opus');
  assert.equal(cue, [
    'PERFORMER "nina"', 'TITLE "nina 2026-12-02T10:00:00.000Z"', 'FILE "show.opus" WAVE',
    '  TRACK 01 AUDIO', '    TITLE "nina 2026-12-02T10:00:00.000Z"', '    PERFORMER "nina"', '    INDEX 01 00:00:00',
    '  TRACK 02 AUDIO', '    TITLE "Sinnerman"', '    PERFORMER "Nina Simone"', '    INDEX 01 00:01:38',
    '  TRACK 03 AUDIO', '    TITLE "nina 2026-12-02T10:00:00.000Z"', '    PERFORMER "nina"', '    INDEX 01 01:02:00', '',
  ].join('\r\n'));
});

test('buildCueSheet: a show without titles is one track; a title at 0 is track 01', () => {
  assert.equal(buildCueSheet({ dj: 'otis', startedAt: 'T' }, 'show.opus').match(/TRACK/g)!.length, 1);
  const cue = buildCueSheet({ dj: 'otis', startedAt: 'T', tracklist: [{ offsetMs: 0, at: 'T', artist: 'A', title: 'B' }] }, 'show.opus');
  assert.match(cue, /TRACK 01 AUDIO\r\n {4}TITLE "B"\r\n {4}PERFORMER "A"\r\n {4}INDEX 01 00:00:00\r\n$/);
});

test('readManifest: an older manifest without tracklist is readable; a malformed tracklist is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-cue-'));
  try {
    const base = { version: 1, showId: 's', dj: 'd', startedAt: 'T', errorCode: null, gaps: [], segments: [] };
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(base));
    assert.equal((await readManifest(dir)).tracklist, undefined);
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ ...base, tracklist: [{ offsetMs: 'soon', at: 'T', artist: '', title: 'x' }] }));
    await assert.rejects(readManifest(dir), /tracklist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
