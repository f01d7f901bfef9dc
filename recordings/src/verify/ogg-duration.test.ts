import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeOggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { opusDuration, readOggTail, readOpusStreamHead } from './ogg-duration.ts';
import { opusFile } from './opus-fixture.ts';

test('the duration is read from the last granule position; playable = last granule − pre-skip', () => {
  const file = opusFile(50);
  const expected = { lastGranule: 312 + 50 * 960, preSkip: 312, playableSamples: 50 * 960 };
  assert.deepEqual(opusDuration(file.subarray(0, 4096), file.subarray(-4096)), expected);
  assert.deepEqual(opusDuration(file, file), expected);
});

test('the tail scan finds the last page even when the tail starts mid-page', () => {
  const file = opusFile(10);
  const t = readOggTail(file.subarray(file.length - 250));
  assert.ok(typeof t !== 'string');
  assert.equal(t.granulePosition, 312n + 9600n);
  assert.equal(t.eos, true);
});

test('a file cut mid-page has no valid last page', () => {
  const file = opusFile(10);
  assert.match(String(readOggTail(file.subarray(0, file.length - 5))), /truncated|does not end/);
});

test('a corrupted last page (bad CRC) is rejected, not read', () => {
  const file = Buffer.from(opusFile(10));
  file[file.length - 1] = (file[file.length - 1] as number) ^ 0xff;
  assert.equal(typeof opusDuration(file, file), 'string');
});

test('garbage after the last page is reported', () => {
  const file = Buffer.concat([opusFile(3), Buffer.from('trailing junk')]);
  assert.match(String(readOggTail(file)), /13 bytes follow the last page/);
});

test('the head must be an Opus BOS page', () => {
  assert.match(String(readOpusStreamHead(Buffer.from('not ogg at all, really'))), /not an Ogg page/);
  const vorbisish = writeOggPage({ serial: 1, sequence: 0, granulePosition: 0n, packets: [Buffer.from('\x01vorbis')], bos: true });
  assert.match(String(readOpusStreamHead(vorbisish)), /OpusHead/);
  const head = readOpusStreamHead(opusFile(1, { preSkip: 3840 }));
  assert.deepEqual(head, { serial: 7, preSkip: 3840 });
});

test('a chained file (last page of another stream) is reported, not mis-measured', () => {
  const file = Buffer.concat([opusFile(2, { serial: 1 }), opusFile(2, { serial: 2 })]);
  assert.match(String(opusDuration(file, file)), /chained/);
});
