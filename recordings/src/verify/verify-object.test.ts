import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compositeCrc32c, crc32cToBase64 } from './crc32c.ts';
import { digestFile, localDigestMismatch } from './local-digest.ts';
import type { LocalDigest } from './local-digest.ts';
import { opusFile } from './opus-fixture.ts';
import { MP3_DURATION_TOLERANCE_SAMPLES, verifyStoredObject } from './verify-object.ts';
import { writeId3v2Tag } from '../../../shared/src/mp3/id3v2-tag.ts';
import { infoFrameLayout, writeInfoFrame } from '../../../shared/src/mp3/mp3-info-frame.ts';
import type { StoredObjectInfo, StoredObjectReader } from './verify-object.ts';

/** A store that holds `bytes` and reports `info` (size defaults to the bytes' length). */
function memoryReader(bytes: Buffer, info: Partial<StoredObjectInfo> = {}): StoredObjectReader & { reads: number } {
  const r = {
    reads: 0,
    head: async () => ({ sizeBytes: bytes.length, ...info }),
    readRange: async (start: number, end: number) => bytes.subarray(start, end + 1),
    async *readAll() {
      r.reads++;
      for (let i = 0; i < bytes.length; i += 1000) yield bytes.subarray(i, i + 1000);
    },
  };
  return r;
}

const PART = 4096;
const file = opusFile(100); // 100 × 960 samples, ≈ 23 KB: 6 parts of 4 KiB
const duration = 312 + 100 * 960; // the last granule position (pre-skip 312 included)

async function digestOf(bytes: Buffer, partSizeBytes = PART): Promise<LocalDigest> {
  const dir = mkdtempSync(join(tmpdir(), 'verify-test-'));
  try {
    writeFileSync(join(dir, 'f.opus'), bytes);
    return await digestFile(join(dir, 'f.opus'), partSizeBytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('digestFile cuts part CRCs at the part size and matches the whole-file CRC', async () => {
  const d = await digestOf(file);
  assert.equal(d.sizeBytes, file.length);
  assert.equal(d.partCrcs.length, Math.ceil(file.length / PART));
  const one = await digestOf(file, 0);
  assert.equal(one.crc32c, d.crc32c);
  assert.deepEqual(one.partCrcs, []);
  assert.equal(localDigestMismatch({ sizeBytes: d.sizeBytes, sha256: d.sha256Hex, crc32c: crc32cToBase64(d.crc32c) }, d), null);
  assert.match(String(localDigestMismatch({ sizeBytes: d.sizeBytes, sha256: d.sha256Hex, crc32c: '00000000' }, d)), /CRC-32C/);
  assert.match(String(localDigestMismatch({ sizeBytes: 1, sha256: d.sha256Hex, crc32c: '00000000' }, d)), /finalized at 1/);
});

test('a FULL_OBJECT CRC32C that matches verifies without reading the object back', async () => {
  const local = await digestOf(file);
  const reader = memoryReader(file, { checksumCrc32c: crc32cToBase64(local.crc32c), checksumType: 'FULL_OBJECT' });
  const out = await verifyStoredObject(reader, { local, durationSamples: duration });
  assert.deepEqual(out, { verified: true, checksum: `CRC32C FULL_OBJECT ${crc32cToBase64(local.crc32c)}`, lastGranule: duration, playableSamples: 100 * 960 });
  assert.equal(reader.reads, 0);
});

test('a COMPOSITE CRC32C (R2 multipart) is compared with the composite of the local part CRCs', async () => {
  const local = await digestOf(file);
  const good = memoryReader(file, { checksumCrc32c: compositeCrc32c(local.partCrcs), checksumType: 'COMPOSITE' });
  assert.equal((await verifyStoredObject(good, { local, durationSamples: duration })).verified, true);
  const wrongParts = await digestOf(file, PART * 2);
  const bad = await verifyStoredObject(good, { local: wrongParts, durationSamples: duration });
  assert.equal(bad.verified, false);
  assert.match((bad as { reason: string }).reason, /COMPOSITE/);
});

test('with no checksum from the store the object is read back and hashed', async () => {
  const local = await digestOf(file);
  const reader = memoryReader(file);
  assert.equal((await verifyStoredObject(reader, { local, durationSamples: duration })).verified, true);
  assert.equal(reader.reads, 1);
  const flipped = Buffer.from(file);
  flipped[5000] = (flipped[5000] as number) ^ 1;
  const out = await verifyStoredObject(memoryReader(flipped), { local, durationSamples: duration });
  assert.equal(out.verified, false);
  assert.match((out as { reason: string }).reason, /content mismatch on read-back/);
});

test('a wrong size, a wrong FULL_OBJECT checksum and a missing object are each a reason', async () => {
  const local = await digestOf(file);
  const short = await verifyStoredObject(memoryReader(file.subarray(0, -1)), { local, durationSamples: duration });
  assert.match((short as { reason: string }).reason, /size mismatch: the store holds \d+ bytes/);
  const badCrc = await verifyStoredObject(memoryReader(file, { checksumCrc32c: 'AAAAAA==' }), { local, durationSamples: duration });
  assert.match((badCrc as { reason: string }).reason, /checksum mismatch/);
  const none = memoryReader(file);
  none.head = async () => null;
  assert.match(((await verifyStoredObject(none, { local, durationSamples: duration })) as { reason: string }).reason, /does not exist/);
});

test('the duration must be within one 20 ms frame of the captured duration', async () => {
  const local = await digestOf(file);
  const reader = memoryReader(file, { checksumCrc32c: crc32cToBase64(local.crc32c) });
  assert.equal((await verifyStoredObject(reader, { local, durationSamples: duration + 960 })).verified, true);
  assert.equal((await verifyStoredObject(reader, { local, durationSamples: duration - 960 })).verified, true);
  const off = await verifyStoredObject(reader, { local, durationSamples: duration + 961 });
  assert.match((off as { reason: string }).reason, /duration mismatch: the stored file's last granule position is 96312/);
});

test('a reader that throws becomes a reason, not an exception', async () => {
  const local = await digestOf(file);
  const reader = memoryReader(file);
  reader.head = async () => {
    throw Object.assign(new Error('boom'), { name: 'ServiceUnavailable' });
  };
  const out = await verifyStoredObject(reader, { local, durationSamples: duration });
  assert.match((out as { reason: string }).reason, /ServiceUnavailable: boom/);
});

/**
 * An MP3 as the rendition lays it out: ID3v2 tag, Info frame, `frames` 384-byte frames (128 kbps,
 * 48 kHz; headers only: verification reads the head, it does not decode). Playable samples:
 * frames × 1152 − 576 − padding.
 */
function mp3File(frames: number, opts: { paddingSamples?: number; title?: string } = {}): { bytes: Buffer; playableSamples: number } {
  const header = Uint8Array.of(0xff, 0xfb, 0x94, 0x64);
  const audio = Buffer.alloc(frames * 384);
  for (let i = 0; i < frames; i++) audio.set(header, i * 384);
  const paddingSamples = opts.paddingSamples ?? 1000;
  const layout = infoFrameLayout(48000, 2, 128);
  const info = writeInfoFrame({
    firstFrameHeader: header, ...layout, frames, streamBytes: layout.frameBytes + audio.length, encoderDelaySamples: 576,
    paddingSamples, musicCrc16: 0, encoderVersion: 'LAME3.100', bitrateKbps: 128,
  });
  const bytes = Buffer.concat([writeId3v2Tag({ title: opts.title ?? 'show', artist: 'nina' }), info, audio]);
  return { bytes, playableSamples: frames * 1152 - 576 - paddingSamples };
}

test('an MP3 rendition verifies by size, checksum and the playable duration in its Info frame', async () => {
  const mp3 = mp3File(200);
  const local = await digestOf(mp3.bytes);
  const reader = memoryReader(mp3.bytes, { checksumCrc32c: crc32cToBase64(local.crc32c), checksumType: 'FULL_OBJECT' });
  const out = await verifyStoredObject(reader, { local, format: 'mp3', durationSamples: mp3.playableSamples });
  assert.deepEqual(out, {
    verified: true, checksum: `CRC32C FULL_OBJECT ${crc32cToBase64(local.crc32c)}`,
    lastGranule: mp3.playableSamples, playableSamples: mp3.playableSamples,
  });
  assert.equal(reader.reads, 0);
  for (const off of [MP3_DURATION_TOLERANCE_SAMPLES, -MP3_DURATION_TOLERANCE_SAMPLES]) {
    assert.equal((await verifyStoredObject(reader, { local, format: 'mp3', durationSamples: mp3.playableSamples + off })).verified, true);
  }
});

test('an MP3 rendition whose Info frame disagrees with the expected duration is not verified', async () => {
  const mp3 = mp3File(200);
  const local = await digestOf(mp3.bytes);
  const reader = memoryReader(mp3.bytes, { checksumCrc32c: crc32cToBase64(local.crc32c) });
  const off = await verifyStoredObject(reader, { local, format: 'mp3', durationSamples: mp3.playableSamples + MP3_DURATION_TOLERANCE_SAMPLES + 1 });
  assert.equal(off.verified, false);
  assert.match((off as { reason: string }).reason,
    new RegExp(`duration mismatch: the stored MP3's Info frame gives ${mp3.playableSamples} playable samples \\(48 kHz: 200 frames, delay 576, padding 1000\\), expected ${mp3.playableSamples + 961}`));
  // An Ogg Opus file is not an MP3: the reason says what the head holds.
  const oggLocal = await digestOf(file);
  const ogg = await verifyStoredObject(memoryReader(file), { local: oggLocal, format: 'mp3', durationSamples: duration });
  assert.match((ogg as { reason: string }).reason, /^MP3 duration unreadable: no MPEG audio frame header at byte 0: found 4f 67 67 53/);
});

test('an MP3 whose ID3v2 tag is larger than the first read is read again up to its first frame', async () => {
  const mp3 = mp3File(50, { title: 'x'.repeat(40_000) }); // ≈ 80 KB of UTF-16 title
  const local = await digestOf(mp3.bytes);
  const ranges: number[] = [];
  const reader = memoryReader(mp3.bytes, { checksumCrc32c: crc32cToBase64(local.crc32c) });
  const readRange = reader.readRange;
  reader.readRange = async (start, end) => {
    ranges.push(end - start + 1);
    return readRange(start, end);
  };
  assert.equal((await verifyStoredObject(reader, { local, format: 'mp3', durationSamples: mp3.playableSamples })).verified, true);
  assert.equal(ranges.length, 2);
  assert.equal(ranges[0], 64 * 1024);
  assert.ok(ranges[1]! > 80_000 && ranges[1]! <= mp3.bytes.length);
});
