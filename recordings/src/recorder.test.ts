// The recorder front: nothing is spooled before a show's first frame; an ended show is finalized and
// handed to the store; the list reports it with its status and duration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { opusTonePackets } from '../../test/helpers/studio-client.ts';
import { Recorder } from './recorder.ts';
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
