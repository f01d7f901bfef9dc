// The recorder front: nothing is spooled before a show's first frame; an ended show is finalized and
// handed to the store; the list reports it with its status and duration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { opusTonePackets } from '../../test/helpers/studio-client.ts';
import { Recorder } from './recorder.ts';
import { MANIFEST_FILE, readManifest } from './show-manifest.ts';
import { LocalRecordingStore } from './store/local-store.ts';
import { recordingKey } from './store/recording-key.ts';

test('a show is spooled from its first frame, finalized when it ends and verified by the store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-recorder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = await opusTonePackets(440, 2);
  const store = new LocalRecordingStore({ rootDir: join(dir, 'bucket'), log: pino({ level: 'silent' }) });
  const settled: string[] = [];
  const recorder = new Recorder({ spoolDir: join(dir, 'spool'), segmentSeconds: 1, store, log: pino({ level: 'silent' }), onSettled: (s) => settled.push(s) });
  const consumer = recorder.createConsumer({ dj: 'nina', opusHead: source.head, channels: 2, preSkipSamples: 312 });
  assert.ok(!existsSync(join(dir, 'spool')), 'nothing before the first frame');
  let samples = 0;
  source.packets.forEach((p, seq) => {
    consumer.onFrame({ seq, timestampUs: Math.round(samples / 0.048), durationSamples: p.durationSamples, flags: 0, packet: p.data });
    samples += p.durationSamples;
  });
  assert.equal(recorder.activeShows().length, 1);
  consumer.onEnd();
  await recorder.idle();
  assert.deepEqual(settled, ['verified']);
  const [rec] = await recorder.list();
  const keys = await store.listKeys('recordings/');
  assert.deepEqual(keys.filter((k) => k.endsWith('.opus')), [recordingKey(rec!.showId, new Date(rec!.startedAt))], 'the show, and no spool copy left');
  assert.equal(rec!.status, 'verified');
  assert.equal(rec!.dj, 'nina');
  assert.equal(rec!.durationMs, Math.round(samples / 48));
  assert.match(rec!.showId, /^\d{8}T\d{6}Z-nina-[0-9a-f]{6}$/);
  assert.ok(readdirSync(join(dir, 'spool', rec!.showId)).includes('show.opus'));
  assert.equal(recorder.activeShows().length, 0);
  recorder.close();
});

test("the show's name and description, set before the first frame and changed later, are in the manifest and the list", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-recorder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = await opusTonePackets(440, 1);
  const store = new LocalRecordingStore({ rootDir: join(dir, 'bucket'), log: pino({ level: 'silent' }) });
  const recorder = new Recorder({ spoolDir: join(dir, 'spool'), segmentSeconds: 1, store, log: pino({ level: 'silent' }) });
  const consumer = recorder.createConsumer({ dj: 'nina', opusHead: source.head, channels: 2, preSkipSamples: 312 });
  consumer.onShow({ name: 'Night Shift', description: 'first words' });
  let samples = 0;
  source.packets.forEach((p, seq) => {
    consumer.onFrame({ seq, timestampUs: Math.round(samples / 0.048), durationSamples: p.durationSamples, flags: 0, packet: p.data });
    samples += p.durationSamples;
    if (seq === 10) consumer.onShow({ name: `Nina's "Night Shift"`, description: 'Deep cuts après minuit' });
  });
  consumer.onEnd();
  await recorder.idle();
  const [rec] = await recorder.list();
  assert.equal(rec!.showName, `Nina's "Night Shift"`);
  assert.equal(rec!.showDescription, 'Deep cuts après minuit');
  const manifest = await readManifest(join(dir, 'spool', rec!.showId));
  assert.deepEqual(manifest.show, { name: `Nina's "Night Shift"`, description: 'Deep cuts après minuit' });
  // Named before its first frame and never again: the name is kept all the same.
  const early = recorder.createConsumer({ dj: 'ann', opusHead: source.head, channels: 2, preSkipSamples: 312 });
  early.onShow({ name: 'Early Bird', description: '' });
  source.packets.slice(0, 50).forEach((p, seq) => early.onFrame({ seq, timestampUs: seq * 20_000, durationSamples: p.durationSamples, flags: 0, packet: p.data }));
  early.onEnd();
  await recorder.idle();
  assert.deepEqual((await recorder.list()).filter((r) => r.dj === 'ann').map((r) => r.showName), ['Early Bird']);
  recorder.close();
});

test('a manifest whose show name is not one line, or too long, is refused on read (listed as unreadable)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-manifest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = { version: 1, showId: 's', dj: 'nina', startedAt: '2026-12-02T12:00:00.000Z', endedAt: null, endReason: null, opusHead: '', channels: 2,
    preSkipSamples: 312, segmentSamples: 48000, status: 'recording', reason: null, errorCode: null, history: [], firstSeq: null, lastSeq: null,
    segments: [], gaps: [], final: null, storeLocation: null, spoolRemovedAt: null };
  const withShow = (show: unknown) => writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ ...base, show }));
  withShow({ name: 'Night Shift', description: '' });
  assert.deepEqual((await readManifest(dir)).show, { name: 'Night Shift', description: '' });
  for (const bad of [{ name: 'Night\r\nShift', description: '' }, { name: 'n'.repeat(257), description: '' }, { name: 'x', description: 'LS\u2028' }, { name: 'x' }, 'Night Shift']) {
    withShow(bad);
    await assert.rejects(readManifest(dir), /show is not \{ name \(≤ 256 characters\), description \(≤ 1024\) \} on one line each/, JSON.stringify(bad));
  }
});
