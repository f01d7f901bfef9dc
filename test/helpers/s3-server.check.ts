// Hand-run check of the Ceph RGW test server (not part of `npm test`): starts one instance, does
// PUT/GET/HEAD with CRC32C checksums (right and wrong), a range read, an aws-chunked upload with a
// trailing checksum (what the AWS SDK sends by default), a multipart round trip with part
// checksums and an aborted upload, then stops it and prints timings. Needs root and the chroot
// from scripts/setup-s3-server.sh. Run: npm exec -- node test/helpers/s3-server.check.ts
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { s3ServerUnavailableReason, startS3Server } from './s3-server.ts';

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as S3 encodes it: big-endian, base64.
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function crc32cB64(...parts: Uint8Array[]): string {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(crc32c(Buffer.concat(parts)));
  return buf.toString('base64');
}

const timings: [string, number][] = [];
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const result = await fn();
  timings.push([name, performance.now() - t]);
  return result;
}
const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`;

const why = s3ServerUnavailableReason();
if (why) {
  console.error(`s3-server.check: ${why}`);
  process.exit(1);
}

const s3 = await step('startS3Server', () => startS3Server());
console.log(`started ${s3.endpoint} in ${s3.startMs} ms; phases (cumulative ms):`, s3.startPhases);
console.log(`RSS after start: ${mib(s3.rssBytes())}`);
try {
  assert.equal(s3.accessKeyId.length, 20);
  const bucket = await step('CreateBucket', () => s3.createBucket());
  const body = Buffer.from('Aircheck recording segment\n'.repeat(1000));
  const good = crc32cB64(body);

  // ── single PUT with a CRC32C the server validates ───────────────────────────────────────────
  await step('PutObject + CRC32C', async () => {
    const res = await s3.fetch('PUT', `/${bucket}/single.ogg`, {
      body,
      headers: { 'x-amz-checksum-crc32c': good, 'x-amz-sdk-checksum-algorithm': 'CRC32C', 'content-type': 'audio/ogg' },
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal(res.headers.get('x-amz-checksum-crc32c'), good);
  });
  await step('PutObject + wrong CRC32C → BadDigest', async () => {
    const res = await s3.fetch('PUT', `/${bucket}/bad.ogg`, {
      body,
      headers: { 'x-amz-checksum-crc32c': 'AAAAAA==', 'x-amz-sdk-checksum-algorithm': 'CRC32C' },
    });
    const text = await res.text();
    assert.equal(res.status, 400, text);
    assert.match(text, /<Code>BadDigest<\/Code>/);
  });
  await step('HeadObject (checksum mode)', async () => {
    const res = await s3.fetch('HEAD', `/${bucket}/single.ogg`, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(body.length));
    assert.equal(res.headers.get('content-type'), 'audio/ogg');
    assert.equal(res.headers.get('x-amz-checksum-crc32c'), good);
    console.log(`HEAD single: x-amz-checksum-type=${res.headers.get('x-amz-checksum-type')}`);
  });
  await step('GetObject', async () => {
    const res = await s3.fetch('GET', `/${bucket}/single.ogg`);
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(body));
  });
  await step('GetObject Range', async () => {
    const res = await s3.fetch('GET', `/${bucket}/single.ogg`, { headers: { range: 'bytes=9-17' } });
    assert.equal(res.status, 206);
    assert.equal(await res.text(), 'recording');
  });

  // ── aws-chunked body with a trailing checksum (the SDK's default PutObject on a stream) ─────
  await step('PutObject aws-chunked + trailer', async () => {
    const chunks = [body.subarray(0, 16384), body.subarray(16384)];
    const framed = Buffer.concat([
      ...chunks.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]),
      Buffer.from(`0\r\nx-amz-checksum-crc32c:${good}\r\n\r\n`),
    ]);
    const res = await s3.fetch('PUT', `/${bucket}/chunked.ogg`, {
      body: framed,
      contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(body.length),
        'x-amz-trailer': 'x-amz-checksum-crc32c',
        'x-amz-sdk-checksum-algorithm': 'CRC32C',
      },
    });
    assert.equal(res.status, 200, await res.text());
    const get = await s3.fetch('GET', `/${bucket}/chunked.ogg`, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    const stored = Buffer.from(await get.arrayBuffer());
    assert.ok(stored.equals(body), `aws-chunked object stored ${stored.length} bytes, expected ${body.length}`);
    assert.equal(get.headers.get('x-amz-checksum-crc32c'), good);
  });

  // ── multipart with part checksums ───────────────────────────────────────────────────────────
  const part1 = Buffer.alloc(5 * 1024 * 1024, 0x61);
  const part2 = Buffer.alloc(1024 * 1024 + 17, 0x62);
  await step('multipart (5 MiB + 1 MiB, CRC32C)', async () => {
    const key = `/${bucket}/multi.ogg`;
    const created = await s3.fetch('POST', key, { query: { uploads: '' }, headers: { 'x-amz-checksum-algorithm': 'CRC32C' } });
    const createdXml = await created.text();
    assert.equal(created.status, 200, createdXml);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(createdXml)?.[1];
    assert.ok(uploadId);
    const parts: { n: number; etag: string; crc: string }[] = [];
    for (const [i, data] of [part1, part2].entries()) {
      const crc = crc32cB64(data);
      const res = await s3.fetch('PUT', key, {
        query: { partNumber: String(i + 1), uploadId },
        body: data,
        headers: { 'x-amz-checksum-crc32c': crc, 'x-amz-sdk-checksum-algorithm': 'CRC32C' },
      });
      assert.equal(res.status, 200, await res.text());
      parts.push({ n: i + 1, etag: res.headers.get('etag') ?? '', crc });
    }
    const xml =
      '<CompleteMultipartUpload>' +
      parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${p.etag}</ETag><ChecksumCRC32C>${p.crc}</ChecksumCRC32C></Part>`).join('') +
      '</CompleteMultipartUpload>';
    const done = await s3.fetch('POST', key, { query: { uploadId }, body: Buffer.from(xml) });
    assert.equal(done.status, 200, await done.text());
    const head = await s3.fetch('HEAD', key, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    assert.equal(head.headers.get('content-length'), String(part1.length + part2.length));
    const type = head.headers.get('x-amz-checksum-type');
    const value = head.headers.get('x-amz-checksum-crc32c');
    const full = crc32cB64(part1, part2);
    console.log(`HEAD multipart: x-amz-checksum-type=${type} x-amz-checksum-crc32c=${value} (full-object CRC32C ${full})`);
    if (type === 'FULL_OBJECT') assert.equal(value, full);
    const tail = await s3.fetch('GET', key, { headers: { range: `bytes=${part1.length - 2}-${part1.length + 1}` } });
    assert.equal(await tail.text(), 'aabb');
  });
  await step('multipart abort', async () => {
    const key = `/${bucket}/aborted.ogg`;
    const created = await s3.fetch('POST', key, { query: { uploads: '' } });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await created.text())?.[1];
    assert.ok(uploadId);
    const part = await s3.fetch('PUT', key, { query: { partNumber: '1', uploadId }, body: part2 });
    assert.equal(part.status, 200, await part.text());
    const aborted = await s3.fetch('DELETE', key, { query: { uploadId } });
    assert.equal(aborted.status, 204, await aborted.text());
    const list = await s3.fetch('GET', `/${bucket}`, { query: { uploads: '' } });
    assert.doesNotMatch(await list.text(), /<Upload>/);
  });
  console.log(`RSS with ~13 MiB stored: ${mib(s3.rssBytes())}`);

  await step('delete objects + bucket', async () => {
    for (const k of ['single.ogg', 'chunked.ogg', 'multi.ogg']) {
      const res = await s3.fetch('DELETE', `/${bucket}/${k}`);
      assert.equal(res.status, 204, await res.text());
    }
    const res = await s3.fetch('DELETE', `/${bucket}`);
    assert.equal(res.status, 204, await res.text());
  });
} finally {
  await step('stop', () => s3.stop());
}
assert.ok(!existsSync(s3.runDir), 'run directory removed');
for (const [name, ms] of timings) console.log(`${ms.toFixed(0).padStart(6)} ms  ${name}`);
console.log('s3-server.check: OK');
