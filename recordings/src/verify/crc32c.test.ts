import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { compositeCrc32c, crc32c, crc32cBytes, crc32cToBase64, parseCrc32c } from './crc32c.ts';

/** Bit-at-a-time reference (RFC 3720 §12.1): slow, obviously right. */
function crc32cBitwise(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

test('crc32c matches the check value and the RFC 3720 B.4 test vectors', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
});

test('crc32c agrees with the bitwise reference for every length up to 70 and random data', () => {
  const data = randomBytes(70_000);
  for (let n = 0; n <= 70; n++) assert.equal(crc32c(data.subarray(0, n)), crc32cBitwise(data.subarray(0, n)), `length ${n}`);
  assert.equal(crc32c(data), crc32cBitwise(data));
});

test('crc32c continues across chunks: crc(a ‖ b) = crc(b, crc(a))', () => {
  const data = randomBytes(10_001);
  for (const cut of [0, 1, 7, 8, 9, 5000, 10_001]) {
    assert.equal(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), crc32c(data));
  }
});

test('crc32cToBase64 gives the S3 header form of the big-endian bytes', () => {
  assert.equal(crc32cToBase64(0xe3069283), '4waSgw==');
  assert.deepEqual([...crc32cBytes(0xe3069283)], [0xe3, 0x06, 0x92, 0x83]);
});

test('parseCrc32c reads hex and S3 base64, and rejects anything else', () => {
  assert.equal(parseCrc32c('e3069283'), 0xe3069283);
  assert.equal(parseCrc32c('E3069283'), 0xe3069283);
  assert.equal(parseCrc32c('4waSgw=='), 0xe3069283);
  assert.equal(parseCrc32c('4waSgw==-2'), null);
  assert.equal(parseCrc32c('e306928'), null);
  assert.equal(parseCrc32c(''), null);
});

test('compositeCrc32c is the CRC32C of the raw part CRCs, base64, with the part count', () => {
  // Golden: parts "1234", "56789" → part CRCs; the composite is the CRC of their 8 raw bytes.
  const a = crc32c(Buffer.from('1234'));
  const b = crc32c(Buffer.from('56789'));
  const raw = Buffer.concat([Buffer.from(crc32cBytes(a)), Buffer.from(crc32cBytes(b))]);
  const expected = `${Buffer.from(crc32cBytes(crc32cBitwise(raw))).toString('base64')}-2`;
  assert.equal(compositeCrc32c([a, b]), expected);
  assert.equal(a, 0xf63af4ee);
  assert.equal(b, 0x83b565d8);
  assert.equal(compositeCrc32c([a, b]), 'wClZWQ==-2');
  // One part: still composite (the CRC of the part's CRC), not the part's CRC itself.
  assert.notEqual(compositeCrc32c([a]).split('-')[0], crc32cToBase64(a));
  assert.match(compositeCrc32c([a]), /^[A-Za-z0-9+/]{6}==-1$/);
});
