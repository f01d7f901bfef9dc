// test-load: heavy ~11s
// The recording store against a real S3-compatible server (Ceph RGW 20, started by the test):
// uploads with explicit CRC-32C checksums (single and multipart), verification, a failed upload
// retried, a store holding the wrong size or bytes (→ not verified; the recorder's cleanup keeps the
// show's spool past the retention, while a verified show's spool audio goes after it), and aborting
// multipart uploads (a failed one, and a stale one found by the start-up sweep).
// Faults come from a TCP proxy in front of the gateway and from an SDK middleware that overwrites
// the object behind the store's back.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand,
  HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { startS3Server, s3ServerUnavailableReason } from '../helpers/s3-server.ts';
import type { S3Server } from '../helpers/s3-server.ts';
import { createS3Client, S3RecordingStore } from '../../recordings/src/store/s3-store.ts';
import type { RecordingStore } from '../../recordings/src/store-contract.ts';
import type { S3RecordingStoreOptions } from '../../recordings/src/store/s3-store.ts';
import { manifestKey, recordingKey } from '../../recordings/src/store/recording-key.ts';
import { compositeCrc32c, crc32c, crc32cToBase64 } from '../../recordings/src/verify/crc32c.ts';
import { digestFile } from '../../recordings/src/verify/local-digest.ts';
import { storeObjectReader } from '../../recordings/src/verify/store-reader.ts';
import { verifyStoredObject } from '../../recordings/src/verify/verify-object.ts';
import { opusFile, pagesForSize } from '../../recordings/src/verify/opus-fixture.ts';
import { ShowSpool } from '../../recordings/src/spool/show-spool.ts';
import { readManifest } from '../../recordings/src/show-manifest.ts';
import { recoverSpool, DEFAULT_RETENTION_MS } from '../../recordings/src/recover.ts';
import pino from 'pino';
import { opusTonePackets } from '../helpers/opus-packets.ts';

const MIB = 1024 * 1024;
const FAST_RETRY = { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 };

// ── a TCP proxy that can reset or cut connections ───────────────────────────────────────────────

type Fault = 'pass' | 'reset' | { cutAfterBytes: number };

interface FaultProxy {
  endpoint: string;
  /** Faults applied so far. */
  readonly faults: number;
  close(): Promise<void>;
}

/** Decides per connection, from its first bytes (the request line), what happens to it. */
async function startFaultProxy(target: string, decide: (head: string) => Fault): Promise<FaultProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let faults = 0;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    client.once('data', (first: Buffer) => {
      const fault = decide(first.subarray(0, 200).toString('latin1'));
      if (fault === 'reset') {
        faults++;
        client.resetAndDestroy();
        return;
      }
      const upstream = createConnection({ host: hostname, port: Number(port) });
      sockets.add(upstream);
      upstream.on('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      let forwarded = 0;
      const forward = (chunk: Buffer): void => {
        forwarded += chunk.length;
        if (typeof fault === 'object' && forwarded > fault.cutAfterBytes) {
          faults++;
          client.resetAndDestroy();
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      };
      forward(first);
      client.on('data', forward);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    get faults() {
      return faults;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ── fixtures ─────────────────────────────────────────────────────────────────────────────────────

let s3: S3Server;
let dir: string;
const cleanups: (() => Promise<void>)[] = [];

/** What the recorder hands the store (the contract's input). */
type Recording = Parameters<RecordingStore['putAndVerify']>[0];

let showCounter = 0;
/** Writes a synthetic Ogg Opus show of about sizeBytes and describes it as the finalizer would. */
async function makeRecording(sizeBytes: number): Promise<Recording> {
  const packetBytes = 1000;
  const pages = pagesForSize(sizeBytes, packetBytes);
  const bytes = opusFile(pages, { packetBytes });
  const showId = `show-${process.pid}-${++showCounter}`;
  const filePath = join(dir, `${showId}.opus`);
  writeFileSync(filePath, bytes);
  const d = await digestFile(filePath);
  const start = new Date('2026-03-14T18:00:00Z');
  return {
    key: recordingKey(showId, start),
    filePath,
    sizeBytes: d.sizeBytes,
    sha256: d.sha256Hex,
    crc32c: crc32cToBase64(d.crc32c),
    durationSamples: 312 + pages * 960, // the last granule position, as the finalizer reports it
    manifest: { show: showId, dj: 'dj-test', start: start.toISOString(), end: null, gaps: [] },
  };
}

/**
 * A show the spool recorded and ended (3 s of a real Opus tone, 1 s segments), not yet finalized: the
 * recorder's cleanup (recoverSpool) finalizes it, stores it and, after the retention, removes its audio.
 */
async function endedShow(spoolDir: string): Promise<{ dir: string; key: string }> {
  const source = await opusTonePackets(440, 3);
  const spool = new ShowSpool({
    spoolDir, showId: `show-${process.pid}-${++showCounter}`, dj: 'dj-test', opusHead: source.head, channels: 2, preSkipSamples: 312,
    segmentSamples: 48000, log: pino({ level: 'silent' }),
  });
  let timestampUs = 0;
  source.packets.forEach((p, seq) => {
    spool.onFrame({ seq, timestampUs, durationSamples: p.durationSamples, flags: 0, packet: p.data });
    timestampUs += p.durationSamples / 0.048;
  });
  spool.onEnd();
  await spool.idle();
  return { dir: spool.dir, key: recordingKey(spool.manifest.showId, new Date(spool.manifest.startedAt)) };
}

/** The audio files of a spool directory with their SHA-256 (what must survive, byte for byte). */
function spoolAudio(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.opus')).sort()) out[f] = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
  return out;
}

/** A client (direct or through a proxy) and a fresh bucket, emptied and removed after the test. */
async function setup(endpoint = s3.endpoint, keepAlive = true): Promise<{ client: S3Client; bucket: string }> {
  const bucket = await s3.createBucket();
  const client = createS3Client(
    { endpoint, region: 'auto', forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    keepAlive ? {} : { requestHandler: { httpAgent: new Agent({ keepAlive: false }), requestTimeout: 30_000 } },
  );
  const admin = createS3Client({ endpoint: s3.endpoint, region: 'auto', forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  cleanups.push(async () => {
    const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const u of uploads.Uploads ?? []) await admin.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
    const objects = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const o of objects.Contents ?? []) await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
    await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
    admin.destroy();
  });
  return { client, bucket };
}

function store(client: S3Client, bucket: string, extra: Partial<S3RecordingStoreOptions> = {}): S3RecordingStore {
  return new S3RecordingStore({ client, bucket, retry: FAST_RETRY, multipartThresholdBytes: 8 * MIB, partSizeBytes: 5 * MIB, ...extra });
}

/** Behind the store's back: right after the store's own PutObject of key, someone overwrites the object. */
function overwriteAfterPut(client: S3Client, bucket: string, key: string, damaged: () => Buffer, name: string): void {
  const overwrite = (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input?: { Key?: string } }) => {
    const result = await next(args);
    if (context.commandName === 'PutObjectCommand' && args.input?.Key === key) {
      const res = await s3.fetch('PUT', `/${bucket}/${key}`, { body: damaged() });
      await res.arrayBuffer();
      assert.ok(res.ok);
    }
    return result;
  };
  client.middlewareStack.add(overwrite as never, { step: 'initialize', name: `overwrite-${name}` });
}

async function openUploads(client: S3Client, bucket: string): Promise<number> {
  return ((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).length;
}

describe('recording store against Ceph RGW', () => {
  before(async () => {
    // `npm test` prepares the server (scripts/setup-s3-server.sh); without it these tests fail, never skip.
    const missing = s3ServerUnavailableReason();
    if (missing) throw new Error(`the S3 test server is not set up (${missing}): run bash scripts/setup-s3-server.sh as root`);
    dir = mkdtempSync(join(tmpdir(), 'aircheck-store-'));
    s3 = await startS3Server({ memoryCapBytes: 512 * MIB });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c().catch(() => {});
  });
  after(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a small recording is put with a CRC32C, verified, and its manifest stored next to it', async () => {
    const { client, bucket } = await setup();
    const rec = await makeRecording(300 * 1024);
    const out = await store(client, bucket).putAndVerify(rec);
    assert.deepEqual(out, { verified: true, location: `s3://${bucket}/${rec.key}` });
    assert.match(rec.key, /^recordings\/2026\/03\/14\/show-\d+-\d+\.opus$/);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: rec.key, ChecksumMode: 'ENABLED' }));
    assert.equal(head.ContentLength, rec.sizeBytes);
    assert.equal(head.ChecksumCRC32C, rec.crc32c);
    const manifest = await s3.fetch('GET', `/${bucket}/${manifestKey(rec.key)}`);
    const json = (await manifest.json()) as { show: string; object: { sha256: string; lastGranule: number } };
    assert.equal(json.show, (rec.manifest as { show: string }).show);
    assert.equal(json.object.sha256, rec.sha256);
    assert.equal(json.object.lastGranule, rec.durationSamples);
  });

  test('a stored recording is read back whole and by inclusive byte ranges (the console\'s playback), and read back again to re-verify it', async () => {
    const { client, bucket } = await setup();
    const rec = await makeRecording(300 * 1024);
    const s = store(client, bucket);
    assert.equal(await s.stat(rec.key), null);
    await assert.rejects(s.openRead(rec.key), (err: unknown) => (err as { code?: string }).code === 'RECORDING_UNAVAILABLE');
    assert.equal((await s.putAndVerify(rec)).verified, true);
    const bytes = readFileSync(rec.filePath);
    assert.deepEqual(await s.stat(rec.key), { size: bytes.length });
    // Compared by length and content (a diff of 300 KiB buffers would swamp the report).
    const read = async (range?: { start: number; end: number }) => {
      const chunks: Buffer[] = [];
      for await (const c of await s.openRead(rec.key, range) as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
      const got = Buffer.concat(chunks);
      const want = range ? bytes.subarray(range.start, range.end + 1) : bytes;
      assert.equal(got.length, want.length, `bytes ${range ? `${range.start}-${range.end}` : 'all'}: length`);
      assert.ok(got.equals(want), `bytes ${range ? `${range.start}-${range.end}` : 'all'}: content`);
    };
    await read();
    await read({ start: 0, end: 0 });
    await read({ start: 4096, end: 70_000 });
    await read({ start: bytes.length - 10, end: bytes.length - 1 });
    const local = await digestFile(rec.filePath);
    const expectation = { local, format: 'ogg-opus' as const, durationSamples: rec.durationSamples };
    const again = await verifyStoredObject(storeObjectReader(s, rec.key), expectation);
    assert.equal(again.verified, true, JSON.stringify(again));
    assert.match((again as { checksum: string }).checksum, /^read back, SHA-256/, 'every byte read again, not the stored checksum');
    const damaged = Buffer.from(bytes);
    damaged[1000] = damaged[1000]! ^ 1;
    const res = await s3.fetch('PUT', `/${bucket}/${rec.key}`, { body: damaged });
    await res.arrayBuffer();
    const rotten = await verifyStoredObject(storeObjectReader(s, rec.key), expectation);
    assert.equal(rotten.verified, false);
    assert.match((rotten as { reason: string }).reason, /content mismatch on read-back/);
  });

  test('a 12 MiB recording goes up in equal 5 MiB parts with CRC32C and verifies against the FULL_OBJECT checksum', async () => {
    const { client, bucket } = await setup();
    const rec = await makeRecording(12 * MIB);
    const out = await store(client, bucket).putAndVerify(rec);
    assert.equal(out.verified, true, JSON.stringify(out));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: rec.key, ChecksumMode: 'ENABLED' }));
    assert.equal(head.ContentLength, rec.sizeBytes);
    assert.equal(head.ChecksumType, 'FULL_OBJECT'); // Ceph; R2 would say COMPOSITE `<b64>-3`
    assert.equal(head.ChecksumCRC32C, rec.crc32c);
    const partTwo = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: rec.key, PartNumber: 2 }));
    assert.equal(partTwo.ContentLength, 5 * MIB);
    assert.equal(partTwo.PartsCount, 3);
    assert.equal(await openUploads(client, bucket), 0);
  });

  test('an R2-style COMPOSITE checksum (`<b64>-N`) is checked against the composite of the local part CRCs', async () => {
    // Ceph always reports FULL_OBJECT; R2 reports multipart CRC32C only as COMPOSITE. Rewrite the
    // HeadObject answer the way R2 would give it, once right and once wrong.
    const { client, bucket } = await setup();
    const rec = await makeRecording(11 * MIB);
    const parts = (await digestFile(rec.filePath, 5 * MIB)).partCrcs;
    let reported = compositeCrc32c(parts);
    const asR2 = (next: (a: unknown) => Promise<{ output: Record<string, unknown> }>, context: { commandName?: string }) => async (args: unknown) => {
      const result = await next(args);
      if (context.commandName === 'HeadObjectCommand' && result.output.ChecksumCRC32C) {
        result.output.ChecksumCRC32C = reported;
        result.output.ChecksumType = 'COMPOSITE';
      }
      return result;
    };
    client.middlewareStack.add(asR2 as never, { step: 'initialize', name: 'as-r2' });
    assert.equal(parts.length, 3);
    const ok = await store(client, bucket).putAndVerify(rec);
    assert.equal(ok.verified, true, JSON.stringify(ok));
    reported = compositeCrc32c([...parts].reverse());
    const bad = await store(client, bucket).putAndVerify(rec);
    assert.equal(bad.verified, false);
    assert.match((bad as { reason: string }).reason, /reports CRC32C .*-3 \(COMPOSITE\)/);
  });

  test('uploads whose connections are reset are retried with backoff and then verify', async () => {
    let uploadsSeen = 0;
    const proxy = await startFaultProxy(s3.endpoint, (head) => (head.startsWith('PUT ') && ++uploadsSeen <= 2 ? 'reset' : 'pass'));
    cleanups.push(() => proxy.close());
    const { client, bucket } = await setup(proxy.endpoint, false);
    const rec = await makeRecording(10 * MIB); // multipart: create, 2 parts (the first PUTs reset), complete
    const out = await store(client, bucket).putAndVerify(rec);
    assert.equal(out.verified, true, JSON.stringify(out));
    assert.equal(proxy.faults, 2);
    assert.equal(await openUploads(client, bucket), 0);
  });

  test('a store that returns the wrong size or the wrong bytes fails verification and stores no manifest', async () => {
    const { client, bucket } = await setup();
    for (const damage of ['truncate', 'flip'] as const) {
      const rec = await makeRecording(200 * 1024);
      const original = readFileSync(rec.filePath);
      const damaged = damage === 'truncate' ? original.subarray(0, original.length - 1000) : Buffer.from(original);
      if (damage === 'flip') damaged[100_000] = (damaged[100_000] as number) ^ 0x01;
      overwriteAfterPut(client, bucket, rec.key, () => damaged, damage);
      const out = await store(client, bucket).putAndVerify(rec);
      client.middlewareStack.remove(`overwrite-${damage}`);
      assert.equal(out.verified, false);
      const reason = (out as { reason: string }).reason;
      if (damage === 'truncate') assert.match(reason, /size mismatch: the store holds \d+ bytes, the local file has \d+/);
      else assert.match(reason, /content mismatch on read-back/); // the overwrite carries no checksum
      const manifest = await s3.fetch('HEAD', `/${bucket}/${manifestKey(rec.key)}`);
      assert.equal(manifest.status, 404, 'no manifest for an unverified recording');
    }
  });

  // The guard that deletes local data: the recorder's cleanup (recover.ts) removes a show's spool
  // audio only once the show is verified and older than the retention. Both sides, with the real store.
  test('a show the store holds with the wrong size or bytes is failed, and its spool is kept past the retention', async () => {
    const { client, bucket } = await setup();
    const spoolDir = mkdtempSync(join(dir, 'spool-'));
    const log = pino({ level: 'silent' });
    const afterRetention = () => new Date(Date.now() + DEFAULT_RETENTION_MS + 60 * 60 * 1000);
    for (const damage of ['truncate', 'flip'] as const) {
      const show = await endedShow(spoolDir);
      // A damaged copy of what the finalizer uploads (its show.opus is made by the first recoverSpool).
      let damaged: Buffer | null = null;
      overwriteAfterPut(client, bucket, show.key, () => {
        const original = readFileSync(join(show.dir, 'show.opus'));
        damaged = damage === 'truncate' ? original.subarray(0, original.length - 1000) : Buffer.from(original);
        if (damage === 'flip') damaged[damaged.length >> 1] = (damaged[damaged.length >> 1] as number) ^ 0x01;
        return damaged;
      }, `show-${damage}`);
      try {
        await recoverSpool({ spoolDir, store: store(client, bucket), log }); // finalize, store, verify: fails
        const kept = spoolAudio(show.dir);
        let m = await readManifest(show.dir);
        assert.equal(m.status, 'failed', `${damage}: ${m.reason}`);
        assert.match(m.reason!, damage === 'truncate' ? /size mismatch/ : /content mismatch on read-back/);
        assert.ok(damaged, 'the store really held a damaged copy');
        // A day and an hour later: the cleanup runs again (and retries the upload, damaged again).
        const report = await recoverSpool({ spoolDir, store: store(client, bucket), log, now: afterRetention });
        m = await readManifest(show.dir);
        assert.equal(m.status, 'failed');
        assert.equal(m.spoolRemovedAt, null);
        assert.ok(!report.cleaned.includes(m.showId), `${damage}: the cleanup must not remove an unverified show`);
        assert.deepEqual(spoolAudio(show.dir), kept, `${damage}: every segment and the show file are still there, byte for byte`);
        assert.deepEqual(Object.keys(kept), [...m.segments.map((seg) => seg.file), 'show.opus']);
        assert.ok(m.segments.length >= 3, `${m.segments.length} segments`);
        assert.equal(m.final!.sha256, kept['show.opus'], 'the local show file is the one the manifest describes');
        const manifest = await s3.fetch('HEAD', `/${bucket}/${manifestKey(show.key)}`);
        assert.equal(manifest.status, 404, 'no manifest for an unverified recording');
      } finally {
        client.middlewareStack.remove(`overwrite-show-${damage}`);
      }
    }
  });

  test('a show the store verifies keeps its spool until the retention has passed, then loses its audio', async () => {
    const { client, bucket } = await setup();
    const spoolDir = mkdtempSync(join(dir, 'spool-'));
    const log = pino({ level: 'silent' });
    const show = await endedShow(spoolDir);
    await recoverSpool({ spoolDir, store: store(client, bucket), log });
    let m = await readManifest(show.dir);
    assert.equal(m.status, 'verified', String(m.reason));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: show.key, ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC32C, m.final!.crc32c, 'the store holds the show');
    const within = await recoverSpool({ spoolDir, store: store(client, bucket), log, now: () => new Date(Date.now() + DEFAULT_RETENTION_MS - 60 * 60 * 1000) });
    assert.deepEqual(within.cleaned, [], 'younger than the retention: kept');
    assert.deepEqual(Object.keys(spoolAudio(show.dir)), [...m.segments.map((seg) => seg.file), 'show.opus']);
    const after = await recoverSpool({ spoolDir, store: store(client, bucket), log, now: () => new Date(Date.now() + DEFAULT_RETENTION_MS + 60 * 60 * 1000) });
    assert.deepEqual(after.cleaned, [m.showId]);
    assert.deepEqual(readdirSync(show.dir).sort(), ['manifest.json', 'waveform.json'], 'the audio is gone, the manifest (and the waveform drawn from the audio) stays');
    m = await readManifest(show.dir);
    assert.equal(m.status, 'verified');
    assert.ok(m.spoolRemovedAt);
  });

  test('a multipart upload whose part keeps being cut off is aborted and reported as not verified', async () => {
    const proxy = await startFaultProxy(s3.endpoint, (head) =>
      head.startsWith('PUT ') && head.includes('partNumber=2') ? { cutAfterBytes: 1 * MIB } : 'pass');
    cleanups.push(() => proxy.close());
    const { client, bucket } = await setup(proxy.endpoint, false);
    const rec = await makeRecording(12 * MIB);
    const out = await store(client, bucket, { retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 50 } }).putAndVerify(rec);
    assert.equal(out.verified, false);
    assert.match((out as { reason: string }).reason, /upload of recordings\/.* failed/);
    assert.equal(proxy.faults, 3);
    assert.equal(await openUploads(client, bucket), 0, 'the failed multipart upload must be aborted');
  });

  test('the start-up sweep aborts stale multipart uploads under the prefix and leaves others alone', async () => {
    const { client, bucket } = await setup();
    // A crashed upload: created, one part sent, never completed.
    const stale = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'recordings/2026/01/01/crashed.opus', ChecksumAlgorithm: 'CRC32C' }));
    const part = Buffer.alloc(5 * MIB, 1);
    await client.send(new UploadPartCommand({
      Bucket: bucket, Key: 'recordings/2026/01/01/crashed.opus', UploadId: stale.UploadId, PartNumber: 1, Body: part,
      ChecksumAlgorithm: 'CRC32C', ChecksumCRC32C: crc32cToBase64(crc32c(part)),
    }));
    await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'other/thing.bin' }));
    assert.equal(await openUploads(client, bucket), 2);
    const s = store(client, bucket);
    assert.equal(await s.sweepStaleUploads(60 * 60 * 1000), 0, 'a fresh upload is not stale yet');
    assert.equal(await s.sweepStaleUploads(0), 1);
    const left = (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
    assert.deepEqual(left.map((u) => u.Key), ['other/thing.bin']);
  });
});
