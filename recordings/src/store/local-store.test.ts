import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32cToBase64 } from '../verify/crc32c.ts';
import { digestFile } from '../verify/local-digest.ts';
import { opusFile } from '../verify/opus-fixture.ts';
import { LocalRecordingStore, readLocalManifest } from './local-store.ts';
import { recordingKey } from './recording-key.ts';

async function fixture(t: { after: (fn: () => void) => void }, pages = 200) {
  const dir = mkdtempSync(join(tmpdir(), 'local-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const filePath = join(dir, 'spool.opus');
  writeFileSync(filePath, opusFile(pages));
  const d = await digestFile(filePath);
  const key = recordingKey('show-1', new Date('2026-05-01T20:00:00Z'));
  const input = {
    key, filePath, sizeBytes: d.sizeBytes, sha256: d.sha256Hex, crc32c: crc32cToBase64(d.crc32c),
    durationSamples: 312 + pages * 960, manifest: { show: 'show-1', dj: 'ann' },
  };
  const store = new LocalRecordingStore({ rootDir: join(dir, 'data') });
  return { dir, input, store };
}

test('a recording is copied to <root>/<key>, verified, and gets a manifest; no temp files remain', async (t) => {
  const { dir, input, store } = await fixture(t);
  const out = await store.putAndVerify(input);
  const target = join(dir, 'data', 'recordings/2026/05/01/show-1.opus');
  assert.deepEqual(out, { verified: true, location: `file://${target}` });
  assert.deepEqual(readFileSync(target), readFileSync(input.filePath));
  const manifest = (await readLocalManifest(store, input.key)) as { dj: string; object: { sha256: string } };
  assert.equal(manifest.dj, 'ann');
  assert.equal(manifest.object.sha256, input.sha256);
  assert.deepEqual(readdirSync(dirname(target)).sort(), ['show-1.manifest.json', 'show-1.opus']);
  assert.ok(existsSync(input.filePath), 'the store never deletes the source file');
  // Putting it again finds it stored and verified.
  assert.equal((await store.putAndVerify(input)).verified, true);
});

test('a local file that no longer matches its finalized checksum is refused', async (t) => {
  const { input, store } = await fixture(t);
  const out = await store.putAndVerify({ ...input, sha256: '0'.repeat(64) });
  assert.equal(out.verified, false);
  assert.equal((out as { code: string }).code, 'REC_VERIFY_FAILED');
  assert.match((out as { reason: string }).reason, /SHA-256/);
});

test('a wrong captured duration fails verification', async (t) => {
  const { input, store } = await fixture(t);
  const out = await store.putAndVerify({ ...input, durationSamples: input.durationSamples + 48_000 });
  assert.equal((out as { code: string }).code, 'REC_VERIFY_FAILED');
  assert.match((out as { reason: string }).reason, /duration mismatch/);
});

test('a damaged stored copy is detected on read-back and replaced', async (t) => {
  const { dir, input, store } = await fixture(t);
  assert.equal((await store.putAndVerify(input)).verified, true);
  const target = join(dir, 'data', input.key);
  const bytes = readFileSync(target);
  bytes[1000] = (bytes[1000] as number) ^ 1;
  writeFileSync(target, bytes);
  assert.equal((await store.putAndVerify(input)).verified, true);
  assert.deepEqual(readFileSync(target), readFileSync(input.filePath));
});

test('keys that would leave the store are refused', async (t) => {
  const { input, store } = await fixture(t);
  const out = await store.putAndVerify({ ...input, key: '../escape.opus' });
  assert.equal((out as { code: string }).code, 'REC_STORE_FAILED', 'nothing was stored: not a verification failure');
  assert.match((out as { reason: string }).reason, /inside the store/);
});

test('stat and openRead give a stored object\'s size and its bytes, whole or by inclusive range', async (t) => {
  const { input, store } = await fixture(t);
  assert.equal(await store.stat(input.key), null);
  await assert.rejects(store.openRead(input.key), (err: unknown) => (err as { code?: string }).code === 'RECORDING_UNAVAILABLE');
  await store.putAndVerify(input);
  const bytes = readFileSync(input.filePath);
  assert.deepEqual(await store.stat(input.key), { size: bytes.length });
  const read = async (range?: { start: number; end: number }) => {
    const chunks: Buffer[] = [];
    for await (const c of await store.openRead(input.key, range) as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks);
  };
  assert.deepEqual(await read(), bytes);
  assert.deepEqual(await read({ start: 5, end: 5 }), bytes.subarray(5, 6));
  assert.deepEqual(await read({ start: 1000, end: bytes.length - 1 }), bytes.subarray(1000));
  assert.equal(await store.stat('recordings/2026'), null, 'a directory is not an object');
});
