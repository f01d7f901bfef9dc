// Start-up recovery: a show cut off mid-segment by a crash is closed at its last complete page,
// finalized and verified; a store that does not verify leaves the spool and a failed status with the
// reason (retried at the next start); old verified spools lose their audio, unverified ones never do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { probeDurationSeconds, decodeAudio, dominantFrequencyHz } from '../../test/helpers/audio-analysis.ts';
import { opusTonePackets, type OpusSource } from '../../test/helpers/studio-client.ts';
import { readManifest, writeManifest } from './show-manifest.ts';
import { ShowSpool } from './spool/show-spool.ts';
import type { RecordingStore } from './store-contract.ts';
import { recoverSpool } from './recover.ts';
import { listRecordings, canMove } from './recording-catalog.ts';
import { LocalRecordingStore } from './store/local-store.ts';
import { manifestKey, recordingKey, renditionKey } from './store/recording-key.ts';
import { pathToFileURL } from 'node:url';

const log = pino({ level: 'silent' });

/** An in-test store (the real ones live in store/): checks the file against what it is told. */
function fakeStore(verdict: () => { verified: true; location: string } | { verified: false; code: 'REC_STORE_FAILED' | 'REC_VERIFY_FAILED'; reason: string }) {
  const calls: Parameters<RecordingStore['putAndVerify']>[0][] = [];
  const store: RecordingStore = {
    keyPrefix: 'recordings/',
    putJson: async () => {},
    putText: async () => {},
    getJson: async () => null,
    listKeys: async () => [],
    download: async () => assert.fail('nothing to download: no spool copy'),
    deleteKeys: async () => {},
    stat: async () => null,
    openRead: async () => assert.fail('nothing to read: the fake store keeps no bytes'),
    async putAndVerify(input) {
      calls.push(input);
      const bytes = readFileSync(input.filePath);
      assert.equal(bytes.length, input.sizeBytes);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), input.sha256);
      return verdict();
    },
  };
  return { store, calls };
}

let source: OpusSource;
async function crashedShow(spoolDir: string, seconds: number): Promise<ShowSpool> {
  source ??= await opusTonePackets(440, 5);
  const spool = new ShowSpool({ spoolDir, showId: 'crashed', dj: 'nina', opusHead: source.head, channels: 2, preSkipSamples: 312, segmentSamples: 48000, log });
  let samples = 0;
  for (let seq = 0; samples < seconds * 48000; seq++) {
    const p = source.packets[seq % source.packets.length]!;
    spool.onFrame({ seq, timestampUs: Math.round(samples / 0.048), durationSamples: p.durationSamples, flags: 0, packet: p.data });
    samples += p.durationSamples;
  }
  await spool.idle(); // the process dies here: no onEnd, segment 4 half written
  return spool;
}

test('a show cut off by a crash is closed at its last complete page, finalized and verified', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-recover-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spool = await crashedShow(dir, 3.55);
  const trailing = join(spool.dir, 'segment-000004.opus');
  truncateSync(trailing, statSync(trailing).size - 50); // the last page was being written
  const before = await readManifest(spool.dir);
  assert.equal(before.segments.length, 3);
  assert.equal(before.endedAt, null);

  const { store, calls } = fakeStore(() => ({ verified: true, location: 'mem://x' }));
  const report = await recoverSpool({ spoolDir: dir, store, log });
  assert.deepEqual(report.recovered, ['crashed']);
  const m = await readManifest(spool.dir);
  assert.equal(m.status, 'verified');
  assert.deepEqual(m.history.map((h) => h.status), ['recording', 'finalizing', 'verified']);
  assert.ok(m.endedAt);
  assert.equal(m.segments.length, 4);
  assert.equal(m.segments[3]!.recovered, true);
  assert.equal(m.lastSeq, m.segments[3]!.lastSeq, 'lastSeq: the last frame of the adopted segment, not of the last closed one');
  assert.equal(m.lastSeq, m.final!.durationSamples / 960 - 1, 'frames 0… without a hole');
  assert.equal(m.storeLocation, 'mem://x');
  assert.equal(calls.length, 1);
  assert.match(calls[0]!.key, /^recordings\/\d{4}\/\d{2}\/\d{2}\/crashed\.opus$/);
  // Lost: the page still in memory (50 ms) and the torn page (100 ms) of the 3.55 s sent.
  const seconds = m.final!.durationSamples / 48000;
  assert.ok(seconds >= 3.39 && seconds <= 3.56, `${seconds} s`);
  const probed = await probeDurationSeconds(join(spool.dir, 'show.opus'));
  assert.ok(Math.abs(probed - (m.final!.durationSamples - 312) / 48000) < 0.02);
  const decoded = await decodeAudio(join(spool.dir, 'show.opus'));
  assert.ok(Math.abs(dominantFrequencyHz(decoded.samples, decoded.sampleRateHz)! - 440) < 5);
  // The spool is kept (verified, but younger than a day).
  assert.ok(existsSync(join(spool.dir, 'segment-000001.opus')));
});

test('a store that does not verify leaves the spool and a failed status with its reason; the next start retries', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-recover-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spool = await crashedShow(dir, 2.2);
  let ok = false;
  const { store } = fakeStore(() => (ok ? { verified: true, location: 'mem://y' } : { verified: false, code: 'REC_VERIFY_FAILED', reason: 'checksum mismatch' }));
  await recoverSpool({ spoolDir: dir, store, log });
  let m = await readManifest(spool.dir);
  assert.equal(m.status, 'failed');
  assert.equal(m.errorCode, 'REC_VERIFY_FAILED', 'the code says what failed');
  assert.match(m.reason!, /checksum mismatch/);
  assert.ok(existsSync(join(spool.dir, 'show.opus')) && existsSync(join(spool.dir, 'segment-000001.opus')));
  ok = true;
  await recoverSpool({ spoolDir: dir, store, log });
  m = await readManifest(spool.dir);
  assert.equal(m.status, 'verified');
});

test('old verified spools lose their audio (the manifest stays); old unverified ones are never touched', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-recover-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spool = await crashedShow(dir, 1.5);
  const { store } = fakeStore(() => ({ verified: true, location: 'mem://z' }));
  await recoverSpool({ spoolDir: dir, store, log });
  const later = () => new Date(Date.now() + 2 * 24 * 3600 * 1000);
  // A second, failed show of the same age.
  const failedDir = join(dir, 'failed-show');
  const failed = { ...(await readManifest(spool.dir)), showId: 'failed-show', status: 'failed' as const, final: null, reason: 'disk full', history: [] };
  (await import('node:fs')).mkdirSync(failedDir);
  (await import('node:fs')).copyFileSync(join(spool.dir, 'segment-000001.opus'), join(failedDir, 'segment-000001.opus'));
  await writeManifest(failedDir, failed);

  const report = await recoverSpool({ spoolDir: dir, store, log, now: later });
  assert.deepEqual(report.cleaned, ['crashed']);
  assert.deepEqual(readdirSync(spool.dir).sort(), ['manifest.json', 'waveform.json'], 'the waveform stays with the manifest: the console draws it while it plays the stored copy');
  assert.ok((await readManifest(spool.dir)).spoolRemovedAt);
  assert.ok(existsSync(join(failedDir, 'segment-000001.opus')), 'unverified spool kept');
  const { entries } = await listRecordings(dir);
  assert.deepEqual(entries.map((e) => e.manifest.status).sort(), ['failed', 'verified']);
});

test('the status machine: recording → finalizing → uploaded → verified, failed from any, verified is final', () => {
  assert.ok(canMove('recording', 'finalizing') && canMove('finalizing', 'uploaded') && canMove('uploaded', 'verified'));
  assert.ok(canMove('recording', 'failed') && canMove('finalizing', 'failed') && canMove('uploaded', 'failed'));
  assert.ok(!canMove('verified', 'failed') && !canMove('recording', 'verified'));
});

test('a verified show whose MP3 rendition a restart cut short gets it at the next start, stored, verified and listed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-recover-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spool = await crashedShow(join(dir, 'spool'), 2.2);
  const store = new LocalRecordingStore({ rootDir: join(dir, 'bucket'), log });
  await recoverSpool({ spoolDir: join(dir, 'spool'), store, log }); // verified, no rendition configured yet
  assert.equal((await readManifest(spool.dir)).rendition ?? null, null);

  await recoverSpool({ spoolDir: join(dir, 'spool'), store, log, mp3BitrateKbps: 64 });
  const m = await readManifest(spool.dir);
  assert.equal(m.renditionError ?? null, null);
  assert.equal(m.rendition?.bitrateKbps, 64);
  const key = recordingKey('crashed', new Date(m.startedAt));
  assert.equal(m.rendition?.storeLocation, pathToFileURL(store.pathFor(renditionKey(key))).href);
  const decoded = await decodeAudio(store.pathFor(renditionKey(key)));
  assert.ok(Math.abs(dominantFrequencyHz(decoded.samples, decoded.sampleRateHz)! - 440) < 5);
  assert.ok(Math.abs(decoded.samples.length / decoded.sampleRateHz - (m.final!.durationSamples - 312) / 48000) < 0.03);
  const stored = (await store.getJson(manifestKey(key))) as { rendition?: { storeLocation: string }; object?: unknown };
  assert.equal(stored.rendition?.storeLocation, m.rendition!.storeLocation, 'the stored manifest lists it');
  assert.ok(stored.object, 'next to the verified facts of the recording');
});

test('a manifest whose error code this version does not know is listed as unreadable and left alone, not reported under that code', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-recover-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spool = await crashedShow(dir, 1.2);
  const m = await readManifest(spool.dir);
  m.status = 'failed';
  m.errorCode = 'REC_SOMETHING_NEW' as never;
  await writeManifest(spool.dir, m);
  const { unreadable } = await listRecordings(dir);
  assert.equal(unreadable.length, 1);
  assert.match(unreadable[0]!.error, /errorCode "REC_SOMETHING_NEW" is not an Aircheck error code/);
  const { store, calls } = fakeStore(() => ({ verified: true, location: 'mem://z' }));
  const report = await recoverSpool({ spoolDir: dir, store, log });
  assert.deepEqual(report.unreadable, [spool.dir]);
  assert.equal(calls.length, 0, 'nothing is stored or changed');
  assert.ok(existsSync(join(spool.dir, 'segment-000001.opus')));
});
