import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AircheckError } from '../../../shared/src/errors.ts';
import { CHUNK_MAX_LINE_BYTES, ChunkedDecoder } from './chunked-decoder.ts';

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (parts: Uint8Array[]): string => parts.map((p) => String.fromCharCode(...p)).join('');

function decode(input: string | Uint8Array, splits: number[] = []): { data: string; decoder: ChunkedDecoder } {
  const buf = typeof input === 'string' ? bytes(input) : input;
  const decoder = new ChunkedDecoder();
  const out: Uint8Array[] = [];
  let from = 0;
  for (const at of [...splits, buf.length]) {
    out.push(...decoder.push(buf.subarray(from, at)));
    from = at;
  }
  return { data: text(out), decoder };
}

function throwsInvalid(input: string, message: RegExp): void {
  assert.throws(() => decode(input), (e: unknown) => {
    assert.ok(e instanceof AircheckError, `expected AircheckError, got ${String(e)}`);
    assert.equal(e.code, 'SOURCE_BODY_INVALID');
    assert.match(e.message, message);
    return true;
  });
}

/** Encodes data as chunks of the given sizes (RFC 9112 §7.1). */
function encode(data: string, sizes: number[], trailer = ''): string {
  let out = '';
  let at = 0;
  for (const size of sizes) {
    if (at >= data.length) break;
    const piece = data.slice(at, at + Math.max(1, size));
    out += `${piece.length.toString(16)}\r\n${piece}\r\n`;
    at += piece.length;
  }
  if (at < data.length) out += `${(data.length - at).toString(16)}\r\n${data.slice(at)}\r\n`;
  return `${out}0\r\n${trailer}\r\n`;
}

// The example body of RFC 9112 §7.1 style: two chunks, an extension, a trailer field.
const GOLDEN = '4\r\nWiki\r\n6;name="va\\"l"\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n';

describe('ChunkedDecoder', () => {
  it('decodes a golden body with an extension and a trailer', () => {
    const { data, decoder } = decode(GOLDEN);
    assert.equal(data, 'Wikipedia in \r\n\r\nchunks.');
    assert.equal(decoder.done, true);
    assert.equal(decoder.bodyBytes, 24);
  });

  it('gives the same data whatever the split (every offset, and byte by byte)', () => {
    for (let at = 0; at <= GOLDEN.length; at++) assert.equal(decode(GOLDEN, [at]).data, 'Wikipedia in \r\n\r\nchunks.', `split ${at}`);
    assert.equal(decode(GOLDEN, Array.from({ length: GOLDEN.length }, (_, i) => i)).data, 'Wikipedia in \r\n\r\nchunks.');
  });

  it('returns views of the input, not copies', () => {
    const input = bytes('5\r\nhello\r\n');
    const [piece] = new ChunkedDecoder().push(input);
    assert.equal(piece?.buffer, input.buffer);
  });

  it('accepts upper and lower case hex, leading zeros and whitespace before an extension', () => {
    assert.equal(decode('00A\r\n0123456789\r\n0 \t;x\r\n\r\n').data, '0123456789');
    assert.equal(decode('a;ext=tok;e2\r\n0123456789\r\n000\r\n\r\n').decoder.done, true);
  });

  it('is not done until the final CRLF after the trailers, and ignores what follows', () => {
    const decoder = new ChunkedDecoder();
    decoder.push(bytes('3\r\nabc\r\n0\r\nX: 1\r\n'));
    assert.equal(decoder.done, false);
    assert.deepEqual(decoder.push(bytes('\r\nGET / HTTP/1.1')), []);
    assert.equal(decoder.done, true);
    assert.equal(decoder.ignoredBytes, 'GET / HTTP/1.1'.length);
  });

  it('round-trips any data through any chunk sizes and any splits', () => {
    fc.assert(fc.property(
      fc.string({ maxLength: 400, size: 'max' }).map((s) => s.replace(/[^\x00-\xff]/g, 'x')),
      fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 10 }),
      fc.array(fc.nat(2000), { maxLength: 10 }),
      (data, sizes, cuts) => {
        const body = encode(data, sizes);
        const splits = cuts.map((c) => c % (body.length + 1)).sort((a, b) => a - b);
        const { data: out, decoder } = decode(body, splits);
        assert.equal(out, data);
        assert.equal(decoder.done, true);
      }));
  });

  describe('rejects with SOURCE_BODY_INVALID', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['a non-hex size', 'zz\r\n', /chunk size starts with 'z' \(0x7a\), expected a hexadecimal digit/],
      ['an empty size', '\r\n', /chunk size starts with byte 0x0d/],
      ['a negative size', '-5\r\n', /starts with '-'/],
      ['a size followed by junk', '5x\r\nhello\r\n', /chunk size is followed by 'x' \(0x78\), expected CRLF or ';'/],
      ['a bare LF after the size', '5\nhello\r\n', /contains byte 0x0a after the size/],
      ['CR without LF after the size', '5\rhello', /CR followed by 'h'/],
      ['data longer than the size', '3\r\nhello\r\n', /chunk data is followed by 'l' \(0x6c\), expected CRLF/],
      ['a missing CRLF after the data', '3\r\nabcX', /followed by 'X'/],
      ['a size overflowing 2^48', `${'f'.repeat(13)}\r\n`, /chunk size exceeds 281474976710656 bytes/],
      ['a control byte in an extension', '3;a\x01\r\nabc\r\n', /contains byte 0x01 after the size/],
      ['an unterminated quoted extension', '3;a="x\r\nabc\r\n', /inside a quoted string/],
      ['a control byte in a trailer', '0\r\nX: \x00\r\n\r\n', /trailer field contains byte 0x00/],
      ['a bare LF ending a trailer line', '0\r\nX: 1\r\r\n', /trailer line ends with CR followed by byte 0x0d/],
    ];
    for (const [what, body, message] of cases) it(what, () => throwsInvalid(body, message));

    it('a size line longer than the limit, even with many leading zeros', () => {
      throwsInvalid(`${'0'.repeat(CHUNK_MAX_LINE_BYTES + 1)}1\r\n`, /chunk size line exceeds 4096 bytes/);
      throwsInvalid(`1;${'x'.repeat(CHUNK_MAX_LINE_BYTES)}\r\n`, /chunk size line exceeds 4096 bytes/);
    });

    it('a trailer section larger than the limit', () => {
      throwsInvalid(`0\r\n${'X: y\r\n'.repeat(5000)}\r\n`, /trailer section exceeds/);
    });
  });

  it('never throws anything but AircheckError on random input', () => {
    fc.assert(fc.property(fc.oneof(
      fc.uint8Array({ maxLength: 500, size: 'max' }),
      fc.array(fc.constantFrom(...'0123456789abcdefABCDEFxX;=" \t\r\n\\\0'.split('')), { maxLength: 300, size: 'max' }).map((a) => bytes(a.join(''))),
    ), fc.array(fc.nat(500), { maxLength: 5 }), (buf, cuts) => {
      try {
        decode(buf, cuts.map((c) => c % (buf.length + 1)).sort((a, b) => a - b));
      } catch (e) {
        assert.ok(e instanceof AircheckError, String(e));
        assert.equal(e.code, 'SOURCE_BODY_INVALID');
      }
    }), { numRuns: 3000 });
  });
});
