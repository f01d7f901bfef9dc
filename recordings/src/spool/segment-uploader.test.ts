// The spool copy: segments go to the store as they close (verified, listed by the copy's manifest in
// order), a failed upload is retried without reordering, a lost local spool is rebuilt from the copy
// at start and the show verified, and the copy disappears once the finished show is verified.
// Against the real local directory store (the S3 store runs the same contract in test/integration).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { decodeAudio, dominantFrequencyHz } from '../../../test/helpers/audio-analysis.ts';
import { opusTonePackets, type OpusSource } from '../../../test/helpers/opus-packets.ts';
import { recoverSpool } from '../recover.ts';
import { readManifest, type ShowManifest } from '../show-manifest.ts';
import { LocalRecordingStore } from '../store/local-store.ts';
import { SPOOL_COPY_MANIFEST, manifestKey, recordingKey, spoolCopyPrefix } from '../store/recording-key.ts';
import type { RecordingStore } from '../store-contract.ts';
import { SegmentUploader } from './segment-uploader.ts';
import { ShowSpool } from './show-spool.ts';

const log = pino({ level: 'silent' });
let source: OpusSource;

/** A show of `seconds` in 1 s segments, each closed segment handed to an uploader; no end (the disk dies). */
async function showWithUploads(spoolDir: string, store: RecordingStore, seconds: number, expectStored: number, retryDelayMs = 10_000) {
  source ??= await opusTonePackets(440, 5);
  const results: string[] = [];
  // eslint-disable-next-line prefer-const -- set once below, after the spool its callback refers to exists
  let uploader!: SegmentUploader;
  let resolveStored!: () => void;
  const stored = new Promise<void>((r) => (resolveStored = r));
  const spool = new ShowSpool({
    spoolDir, showId: 'lost-disk', dj: 'nina', opusHead: source.head, channels: 2, preSkipSamples: 312, segmentSamples: 48000, log,
    onSegmentClosed: (_dir, segment) => uploader.segmentClosed(segment),
  });
  uploader = new SegmentUploader({
    store, dir: spool.dir, manifest: spool.manifest, log, retryDelayMs,
    onResult: (r) => {
      results.push(r);
      if (results.filter((x) => x === 'stored').length === expectStored) resolveStored();
    },
  });
  let samples = 0;
  for (let seq = 0; samples < seconds * 48000; seq++) {
    const p = source.packets[seq % source.packets.length]!;
    spool.onFrame({ seq, timestampUs: Math.round(samples / 0.048), durationSamples: p.durationSamples, flags: 0, packet: p.data });
    samples += p.durationSamples;
  }
  await spool.idle();
  await stored; // the uploads' own event: every closed segment is in the store
  return { spool, uploader, results };
}

test('closed segments are copied to the store in order; a lost spool is rebuilt from the copy, finalized, verified, and the copy removed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-upload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new LocalRecordingStore({ rootDir: join(dir, 'bucket'), log });
  const spoolDir = join(dir, 'spool');
  const { spool, uploader } = await showWithUploads(spoolDir, store, 3.5, 3);
  assert.deepEqual(uploader.stats, { stored: 3, pending: 0, failedAttempts: 0, lastError: null });
  const prefix = spoolCopyPrefix('lost-disk');
  assert.deepEqual(await store.listKeys(prefix), [
    `${prefix}${SPOOL_COPY_MANIFEST}`, `${prefix}segment-000001.opus`, `${prefix}segment-000002.opus`, `${prefix}segment-000003.opus`,
  ]);
  const copy = (await store.getJson(prefix + SPOOL_COPY_MANIFEST)) as ShowManifest;
  assert.deepEqual(copy.segments.map((s) => s.file), ['segment-000001.opus', 'segment-000002.opus', 'segment-000003.opus']);
  assert.equal(copy.status, 'recording');

  // The bridge's disk dies mid-show: the whole spool is gone. A new disk, a restart.
  await uploader.stop();
  rmSync(spoolDir, { recursive: true, force: true });
  const report = await recoverSpool({ spoolDir, store, log });
  assert.deepEqual(report.restored, ['lost-disk']);
  const m = await readManifest(spool.dir);
  assert.equal(m.status, 'verified', m.reason ?? '');
  assert.ok(m.restoredFromStoreAt);
  assert.equal(m.segments.length, 3);
  // What was lost: the half-finished fourth segment (0.5 s), never more than one segment.
  assert.equal(m.final!.durationSamples, 3 * 48000);
  const decoded = await decodeAudio(join(spool.dir, 'show.opus'));
  assert.ok(Math.abs(dominantFrequencyHz(decoded.samples, decoded.sampleRateHz)! - 440) < 5);
  const key = recordingKey('lost-disk', new Date(m.startedAt));
  assert.ok(existsSync(store.pathFor(key)), 'the finished show is in the store');
  assert.deepEqual(await store.listKeys(prefix), [], 'the copy is removed once the show is verified');
  // A second start finds nothing left to do.
  assert.deepEqual((await recoverSpool({ spoolDir, store, log })).restored, []);
});

test('a failed segment upload is retried before any later segment; the copy never has a hole', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-upload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const real = new LocalRecordingStore({ rootDir: join(dir, 'bucket'), log });
  let refusals = 2;
  const manifests: string[][] = [];
  const flaky: RecordingStore = {
    keyPrefix: real.keyPrefix,
    putJson: async (key, value) => {
      manifests.push((value as ShowManifest).segments.map((s) => s.file));
      await real.putJson(key, value);
    },
    putText: (key, text, type) => real.putText(key, text, type),
    getJson: (key) => real.getJson(key),
    listKeys: (p) => real.listKeys(p),
    download: (key, path) => real.download(key, path),
    deleteKeys: (keys) => real.deleteKeys(keys),
    stat: (key) => real.stat(key),
    openRead: (key, range) => real.openRead(key, range),
    putAndVerify: async (input) => (refusals-- > 0 ? { verified: false, code: 'REC_VERIFY_FAILED', reason: 'size mismatch: the store holds 0 bytes' } : real.putAndVerify(input)),
  };
  const { uploader, results } = await showWithUploads(join(dir, 'spool'), flaky, 3.2, 3, 20);
  assert.deepEqual(results, ['failed', 'failed', 'stored', 'stored', 'stored']);
  assert.equal(uploader.stats.failedAttempts, 2);
  assert.match(uploader.stats.lastError!, /size mismatch/);
  assert.deepEqual(manifests, [['segment-000001.opus'], ['segment-000001.opus', 'segment-000002.opus'], ['segment-000001.opus', 'segment-000002.opus', 'segment-000003.opus']]);
  await uploader.stop();
});

test('a spool copy whose show is already verified in the store is removed, not restored over it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-upload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new LocalRecordingStore({ rootDir: join(dir, 'bucket'), log });
  const spoolDir = join(dir, 'spool');
  const { spool, uploader } = await showWithUploads(spoolDir, store, 2.2, 2);
  await uploader.stop();
  spool.onEnd();
  await spool.idle();
  // Finalized and verified; then the copy's removal is lost (a crash), and later the spool too.
  await recoverSpool({ spoolDir, store, log });
  const verified = await readManifest(spool.dir);
  assert.equal(verified.status, 'verified');
  const prefix = spoolCopyPrefix('lost-disk');
  await store.putJson(prefix + SPOOL_COPY_MANIFEST, { ...verified, segments: verified.segments.slice(0, 1), status: 'recording' });
  rmSync(spoolDir, { recursive: true, force: true });
  const storedManifest = manifestKey(recordingKey('lost-disk', new Date(verified.startedAt)));
  const before = await store.getJson(storedManifest);
  const report = await recoverSpool({ spoolDir, store, log });
  assert.deepEqual(report.restored, []);
  assert.deepEqual(await store.listKeys(prefix), []);
  assert.notEqual(before, null);
  assert.deepEqual(await store.getJson(storedManifest), before, 'the verified recording is untouched');
});
