// The console's recordings against real finalized shows (Recorder → spool → finalize → local store,
// libopus tone packets): the list with soundchecks and fragments, playback bytes and ranges from the
// store or the spool, the MP3 rendition, the waveform, re-verification that catches a damaged stored
// copy, removal of every object, and scheduled slots matched like the dead-man's switch.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { LocalRecordingStore } from '../store/local-store.ts';
import { recordingKeyOf } from '../finalize/finalize-show.ts';
import { readManifest } from '../show-manifest.ts';
import { renditionKey, waveformKey } from '../store/recording-key.ts';
import { RecordingCatalog, groupFragments, type RecordingItem } from './console-recordings.ts';
import { fakeClock, showRecorder, silentLog } from './recording-fixture.ts';

async function readStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isAircheckError(err), `an AircheckError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('RecordingCatalog over real recordings', () => {
  let dir: string;
  let store: LocalRecordingStore;
  const clock = fakeClock('2026-12-01T18:00:00Z');
  let catalog: RecordingCatalog;
  const ids = { soundcheck: '', first: '', second: '', later: '', ann: '' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aircheck-catalog-'));
    store = new LocalRecordingStore({ rootDir: join(dir, 'data'), log: silentLog });
    const rec = showRecorder({ spoolDir: join(dir, 'spool'), store, clock, mp3BitrateKbps: 64 });
    // A soundcheck on /test, then the show in two fragments (the studio reconnected after 5 minutes), then another DJ.
    ids.soundcheck = await rec.record({ dj: 'nina', at: '2026-12-01T17:50:00Z', seconds: 2, name: 'Night Shift' });
    ids.first = await rec.record({ dj: 'nina', at: '2026-12-01T18:00:00Z', seconds: 3, name: 'Night Shift', live: 0.5, titles: [{ atS: 1, artist: 'Can', title: 'Vitamin C' }] });
    ids.second = await rec.record({ dj: 'nina', at: '2026-12-01T18:05:00Z', seconds: 2, name: 'Night Shift', live: true });
    ids.later = await rec.record({ dj: 'nina', at: '2026-12-01T19:00:00Z', seconds: 1, name: 'Night Shift', live: true });
    ids.ann = await rec.record({ dj: 'ann', at: '2026-12-01T20:00:00Z', seconds: 2, name: 'Breakfast', live: true });
    rec.recorder.close();
    catalog = new RecordingCatalog({ spoolDir: join(dir, 'spool'), store, log: silentLog, now: clock.now });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists shows newest first, hides the soundcheck unless asked, and groups fragments of one show', async () => {
    const list = await catalog.list();
    assert.deepEqual(list.map((r) => r.showId), [ids.ann, ids.later, ids.second, ids.first]);
    const all = await catalog.list({ includeSoundchecks: true });
    assert.equal(all.length, 5);
    const sc = all.find((r) => r.showId === ids.soundcheck)!;
    assert.equal(sc.soundcheck, true, 'never went live: a soundcheck');
    assert.equal(sc.groupId, ids.soundcheck, 'a soundcheck is not part of the show after it');
    const byId = Object.fromEntries(all.map((r) => [r.showId, r]));
    assert.equal(byId[ids.first]!.groupId, ids.first);
    assert.equal(byId[ids.second]!.groupId, ids.first, 'started 5 minutes after the first ended: a fragment');
    assert.equal(byId[ids.later]!.groupId, ids.later, 'an hour later: a show of its own');
    assert.equal(byId[ids.ann]!.groupId, ids.ann);
    assert.deepEqual((await catalog.list({ dj: 'ann' })).map((r) => r.showId), [ids.ann]);
    assert.deepEqual((await catalog.list({ from: '2026-12-01T18:30:00Z', to: '2026-12-01T19:30:00Z' })).map((r) => r.showId), [ids.later]);
    assert.deepEqual(await catalog.list({ status: 'failed' }), []);
    await rejectsWith(catalog.list({ from: 'yesterday' }), 'API_BAD_REQUEST', /from "yesterday"/);
  });

  it('describes a recording: audio length, size, checksums, format, source, tracklist, rendition, waveform', async () => {
    const item = (await catalog.get(ids.first)) as RecordingItem;
    const m = await readManifest(join(dir, 'spool', ids.first));
    assert.equal(item.dj, 'nina');
    assert.equal(item.showName, 'Night Shift');
    assert.equal(item.description, 'Night Shift with nina');
    assert.equal(item.startedAt, '2026-12-01T18:00:00.000Z');
    assert.ok(Math.abs(item.durationMs - 3000) <= 20, `about 3 s of audio, got ${item.durationMs}`);
    assert.equal(item.sizeBytes, m.final!.sizeBytes);
    assert.equal(item.sha256, m.final!.sha256);
    assert.equal(item.crc32c, m.final!.crc32c);
    assert.equal(item.format, 'ogg-opus');
    assert.equal(item.contentType, 'audio/ogg');
    assert.deepEqual(item.source, { kind: 'studio' });
    assert.equal(item.status, 'verified');
    assert.equal(item.soundcheck, false);
    assert.equal(item.wentLiveAt, '2026-12-01T18:00:00.000Z', 'went live half a second in (the fake clock stands at the start while frames arrive)');
    assert.deepEqual(item.tracklist.map((t) => [t.offsetMs, t.artist, t.title]), [[1000, 'Can', 'Vitamin C']]);
    assert.equal(item.rendition?.bitrateKbps, 64);
    assert.equal(item.waveform, true);
    assert.match(item.storeLocation ?? '', /^file:\/\/.*\.opus$/);
    assert.deepEqual(item.gaps, []);
    assert.equal(await catalog.get('no-such-show'), null);
    assert.equal(await catalog.get('../spool'), null);
  });

  it('plays the stored original whole and by inclusive byte ranges, and refuses a range beyond its end', async () => {
    const key = recordingKeyOf(await readManifest(join(dir, 'spool', ids.ann)), store.keyPrefix);
    const stored = readFileSync(store.pathFor(key));
    const whole = await catalog.open(ids.ann, 'original');
    assert.equal(whole.size, stored.length);
    assert.equal(whole.contentType, 'audio/ogg');
    assert.equal(whole.fileName, `${ids.ann}.opus`);
    assert.deepEqual(await readStream(whole.body), stored);
    const part = await catalog.open(ids.ann, 'original', { start: 100, end: 1099 });
    assert.equal(part.size, stored.length, 'size is the whole file, for Content-Range');
    assert.deepEqual(await readStream(part.body), stored.subarray(100, 1100));
    const last = await catalog.open(ids.ann, 'original', { start: stored.length - 1, end: stored.length - 1 });
    assert.deepEqual(await readStream(last.body), stored.subarray(stored.length - 1));
    await rejectsWith(catalog.open(ids.ann, 'original', { start: 0, end: stored.length }), 'RANGE_NOT_SATISFIABLE', new RegExp(`${stored.length} bytes`));
    await rejectsWith(catalog.open(ids.ann, 'original', { start: 10, end: 9 }), 'RANGE_NOT_SATISFIABLE');
    await rejectsWith(catalog.open('nobody', 'original'), 'RECORDING_NOT_FOUND');
  });

  it('plays from the store when the spool copy is gone, from the spool when the store lost it, and neither is RECORDING_UNAVAILABLE', async () => {
    const m = await readManifest(join(dir, 'spool', ids.second));
    const spoolFile = join(dir, 'spool', ids.second, m.final!.file);
    const bytes = readFileSync(spoolFile);
    rmSync(spoolFile);
    assert.deepEqual(await readStream((await catalog.open(ids.second, 'original')).body), bytes, 'from the store');
    writeFileSync(spoolFile, bytes);
    const storePath = store.pathFor(recordingKeyOf(m, store.keyPrefix));
    rmSync(storePath);
    assert.deepEqual(await readStream((await catalog.open(ids.second, 'original', { start: 0, end: 9 })).body), bytes.subarray(0, 10), 'from the spool');
    rmSync(spoolFile);
    await rejectsWith(catalog.open(ids.second, 'original'), 'RECORDING_UNAVAILABLE', /no finalized file/);
    writeFileSync(spoolFile, bytes);
    writeFileSync(storePath, bytes);
  });

  it('plays the MP3 rendition from the store', async () => {
    const m = await readManifest(join(dir, 'spool', ids.first));
    const mp3 = readFileSync(store.pathFor(renditionKey(recordingKeyOf(m, store.keyPrefix))));
    const r = await catalog.open(ids.first, 'rendition', { start: 0, end: 2 });
    assert.equal(r.contentType, 'audio/mpeg');
    assert.equal(r.fileName, `${ids.first}.mp3`);
    assert.equal(r.size, mp3.length);
    assert.equal((await readStream(r.body)).toString('latin1'), 'ID3');
  });

  it('gives the waveform made at finalize: ten peaks a second of a steady tone, from the store when the spool lost it', async () => {
    const w = await catalog.waveform(ids.first);
    assert.ok(w);
    assert.equal(w.peaksPerSecond, 10);
    assert.ok(Math.abs(w.peaks.length - 30) <= 1, `3 s → 30 peaks, got ${w.peaks.length}`);
    const steady = w.peaks.slice(1, -1);
    for (const p of steady) assert.ok(p > 0.05 && p <= 1, `a tone's peak, got ${p}`);
    assert.ok(Math.max(...steady) - Math.min(...steady) < 0.02, `flat: ${steady.join(',')}`);
    rmSync(join(dir, 'spool', ids.first, 'waveform.json'));
    assert.deepEqual(await catalog.waveform(ids.first), w, 'the stored copy');
    assert.equal((await catalog.get(ids.first))!.waveform, false, 'no waveform.json beside the manifest now');
    rmSync(store.pathFor(waveformKey(recordingKeyOf(await readManifest(join(dir, 'spool', ids.first)), store.keyPrefix))));
    assert.equal(await catalog.waveform(ids.first), null);
  });

  it('re-verifies the stored copy by reading it back, and catches a flipped byte and a missing object', async () => {
    const ok = await catalog.reverify(ids.ann);
    assert.deepEqual({ verified: ok.verified, reason: ok.reason }, { verified: true, reason: null });
    assert.equal(ok.checkedAt, clock.now().toISOString());
    const path = store.pathFor(recordingKeyOf(await readManifest(join(dir, 'spool', ids.ann)), store.keyPrefix));
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[good.length >> 1] = bad[good.length >> 1]! ^ 0x10;
    writeFileSync(path, bad);
    const damaged = await catalog.reverify(ids.ann);
    assert.equal(damaged.verified, false);
    assert.match(damaged.reason ?? '', /content mismatch on read-back/);
    rmSync(path);
    assert.match((await catalog.reverify(ids.ann)).reason ?? '', /does not exist/);
    writeFileSync(path, good);
    assert.equal((await catalog.reverify(ids.ann)).verified, true);
  });

  it('re-verifies the stored MP3 rendition too, and keeps each result with the show for everyone to see', async () => {
    assert.equal((await catalog.get(ids.later))!.lastCheck, null, 'never re-checked');
    const ok = await catalog.reverify(ids.later);
    assert.deepEqual(ok.rendition, { verified: true, reason: null });
    const mp3Path = store.pathFor(renditionKey(recordingKeyOf(await readManifest(join(dir, 'spool', ids.later)), store.keyPrefix)));
    const good = readFileSync(mp3Path);
    writeFileSync(mp3Path, good.subarray(0, good.length - 200));
    const bad = await catalog.reverify(ids.later);
    assert.equal(bad.verified, false, 'a damaged rendition fails the check though the recording itself is whole');
    assert.equal(bad.rendition?.verified, false);
    assert.match(bad.reason ?? '', /^MP3 rendition: /);
    const listed = (await catalog.get(ids.later))!.lastCheck;
    assert.deepEqual(listed, { at: bad.checkedAt, verified: false, reason: bad.reason, rendition: bad.rendition }, 'the newest result is the item\'s');
    writeFileSync(mp3Path, good);
    await catalog.reverify(ids.later);
    assert.equal((await catalog.get(ids.later))!.lastCheck?.verified, true);
    assert.equal((await readManifest(join(dir, 'spool', ids.later))).checks?.length, 3, 'every check kept in the manifest');
  });

  it('matches scheduled slots to recordings like the dead-man\'s switch: recorded, missed after the grace, pending, on air, upcoming', async () => {
    const schedule = [
      { name: 'Night Shift', dj: 'nina', days: ['tue' as const], start: '18:00', duration_minutes: 30 },
      { name: 'Gone', at: '2026-12-01T16:00:00Z', duration_minutes: 60 },
      { name: 'Just ended', at: '2026-12-01T20:30:00Z', duration_minutes: 30 },
      { name: 'Now', at: '2026-12-01T20:50:00Z', duration_minutes: 30 },
      { name: 'Tomorrow', at: '2026-12-02T09:00:00Z', duration_minutes: 60 },
    ];
    clock.set('2026-12-01T21:05:00Z');
    const slots = await catalog.slots(schedule, Date.parse('2026-12-01T00:00:00Z'), Date.parse('2026-12-03T00:00:00Z'), 10 * 60_000);
    const view = slots.map((s) => [s.show, s.startAt, s.state, s.showId]);
    assert.deepEqual(view, [
      ['Gone', '2026-12-01T16:00:00.000Z', 'missed', null],
      ['Night Shift', '2026-12-01T18:00:00.000Z', 'recorded', ids.first],
      ['Just ended', '2026-12-01T20:30:00.000Z', 'pending', null],
      ['Now', '2026-12-01T20:50:00.000Z', 'on-air', null],
      ['Tomorrow', '2026-12-02T09:00:00.000Z', 'upcoming', null],
    ]);
    assert.match(slots[0]!.reason ?? '', /no recording of the scheduled show "Gone"/);
    assert.equal(slots[1]!.dj, 'nina');
  });

  it('removes a recording: every object of it in the store and its spool directory, nothing of the others', async () => {
    const m = await readManifest(join(dir, 'spool', ids.first));
    const key = recordingKeyOf(m, store.keyPrefix);
    const prefix = key.replace(/\.opus$/, '');
    const before = await store.listKeys('recordings/');
    assert.deepEqual(before.filter((k) => k.startsWith(prefix)).sort(), [`${prefix}.cue`, `${prefix}.manifest.json`, `${prefix}.mp3`, `${prefix}.opus`].sort(), 'the waveform was deleted by an earlier test');
    await store.putText(`recordings/spool/${ids.first}/segment-000001.opus`, 'x', 'audio/ogg');
    const active = new Set([ids.ann]);
    const removing = new RecordingCatalog({ spoolDir: join(dir, 'spool'), store, log: silentLog, activeShowIds: () => active });
    await removing.remove(ids.first);
    const left = await store.listKeys('recordings/');
    assert.deepEqual(left.filter((k) => k.includes(ids.first)), []);
    assert.equal(left.length, before.length - 4);
    assert.ok(!existsSync(join(dir, 'spool', ids.first)));
    assert.equal(await removing.get(ids.first), null);
    assert.ok(await removing.get(ids.second));
    await rejectsWith(removing.remove(ids.ann), 'RECORDING_UNAVAILABLE', /being recorded or finalized/);
    // What the list says agrees: a show the recorder still holds is finalizing, whatever its manifest says by now.
    assert.equal((await removing.get(ids.ann))?.status, 'finalizing');
    assert.notEqual((await new RecordingCatalog({ spoolDir: join(dir, 'spool'), store, log: silentLog }).get(ids.ann))?.status, 'finalizing');
    await rejectsWith(removing.remove(ids.first), 'RECORDING_NOT_FOUND');
  });
});

describe('RecordingCatalog and a source client\'s recording', () => {
  it('lists an MP3 kept as received with its client, and plays it from the store under its .mp3 key', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-catalog-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const store = new LocalRecordingStore({ rootDir: join(dir, 'data'), log: silentLog });
    const rec = showRecorder({ spoolDir: join(dir, 'spool'), store, clock: fakeClock('2026-12-01T18:00:00Z') });
    const id = await rec.recordSourceMp3({ dj: 'live', at: '2026-12-01T18:00:00Z', seconds: 2 });
    rec.recorder.close();
    const catalog = new RecordingCatalog({ spoolDir: join(dir, 'spool'), store, log: silentLog });
    const item = (await catalog.get(id))!;
    assert.equal(item.status, 'verified', item.reason ?? '');
    assert.equal(item.format, 'mp3');
    assert.equal(item.contentType, 'audio/mpeg');
    assert.equal(item.soundcheck, false, 'a source client\'s show is never a soundcheck');
    assert.deepEqual(item.source, { kind: 'client', mount: '/live', address: '192.0.2.7', userAgent: 'Lavf/59.27.100', iceName: 'Tone FM' });
    assert.ok(Math.abs(item.durationMs - 2000) <= 60, `about 2 s, got ${item.durationMs}`);
    const m = await readManifest(join(dir, 'spool', id));
    const key = recordingKeyOf(m, store.keyPrefix);
    assert.match(key, /\.mp3$/);
    rmSync(join(dir, 'spool', id, m.final!.file));
    const audio = await catalog.open(id, 'original');
    assert.equal(audio.fileName, `${id}.mp3`);
    assert.deepEqual(await readStream(audio.body), readFileSync(store.pathFor(key)));
    const w = (await catalog.waveform(id))!;
    assert.ok(Math.abs(w.peaks.length - 20) <= 1, `2 s → 20 peaks, got ${w.peaks.length}`);
    assert.equal((await catalog.reverify(id)).verified, true);
  });
});

describe('RecordingCatalog without a store', () => {
  it('plays the finalized spool file and has no stored copy to re-verify', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-catalog-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const clock = fakeClock('2026-12-01T18:00:00Z');
    const rec = showRecorder({ spoolDir: join(dir, 'spool'), store: null, clock });
    const id = await rec.record({ dj: 'nina', at: '2026-12-01T18:00:00Z', seconds: 1, live: true });
    rec.recorder.close();
    const catalog = new RecordingCatalog({ spoolDir: join(dir, 'spool'), store: null, log: silentLog });
    const item = (await catalog.get(id))!;
    assert.equal(item.status, 'finalizing', 'waits for a store');
    assert.equal(item.waveform, true, 'made without a store too');
    const m = await readManifest(join(dir, 'spool', id));
    assert.deepEqual(await readStream((await catalog.open(id, 'original')).body), readFileSync(join(dir, 'spool', id, m.final!.file)));
    await rejectsWith(catalog.open(id, 'rendition'), 'RECORDING_UNAVAILABLE', /no MP3 rendition/);
    await rejectsWith(catalog.reverify(id), 'RECORDING_UNAVAILABLE', /no stored copy/);
    await catalog.remove(id);
    assert.ok(!existsSync(join(dir, 'spool', id)));
  });
});

describe('groupFragments', () => {
  const item = (showId: string, dj: string, showName: string, startedAt: string, endedAt: string, soundcheck = false) =>
    ({ showId, dj, showName, startedAt, endedAt, durationMs: 0, soundcheck, groupId: showId }) as RecordingItem;

  it('chains fragments less than 10 minutes apart, per DJ and show name', () => {
    const items = [
      item('a', 'nina', 'X', '2026-12-01T18:00:00Z', '2026-12-01T18:30:00Z'),
      item('b', 'nina', 'X', '2026-12-01T18:39:59Z', '2026-12-01T19:00:00Z'),
      item('c', 'ann', 'X', '2026-12-01T19:01:00Z', '2026-12-01T19:10:00Z'),
      item('d', 'nina', 'Y', '2026-12-01T19:02:00Z', '2026-12-01T19:20:00Z'),
      item('e', 'nina', 'X', '2026-12-01T19:05:00Z', '2026-12-01T19:30:00Z'),
      item('f', 'nina', 'X', '2026-12-01T19:40:00Z', '2026-12-01T20:00:00Z'),
    ];
    groupFragments(items);
    assert.deepEqual(items.map((i) => i.groupId), ['a', 'a', 'c', 'd', 'a', 'f']);
  });
});
