import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AircheckError } from '../../../shared/src/errors.ts';
import { formatResponseHead, parseBasicAuth, parseRequestHead } from './request-head.ts';
import type { RequestHead } from './request-head.ts';
import { throwsCode } from '../../../test/helpers/assert-code.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const MAX = 8192;


function parse(s: string): RequestHead {
  const head = parseRequestHead(bytes(s), MAX);
  assert.ok(head, 'head is complete');
  return head;
}

// What libshout 2.4 sends for a SOURCE connection over HTTP/1.0 (no Host header).
const LIBSHOUT_SOURCE =
  'SOURCE /live.ogg HTTP/1.0\r\n' +
  'Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n' +
  'User-Agent: libshout/2.4.6\r\n' +
  'Content-Type: application/ogg\r\n' +
  'ice-name: Späti Radio\r\n' +
  'ice-public: 0\r\n' +
  '\r\n';

// What ffmpeg's icecast protocol sends: PUT over HTTP/1.1 with chunked-less body and Expect.
const FFMPEG_PUT =
  'PUT /stream.mp3 HTTP/1.1\r\n' +
  'Transfer-Encoding: chunked\r\n' +
  'User-Agent: Lavf/59.27.100\r\n' +
  'Accept: */*\r\n' +
  'Expect: 100-continue\r\n' +
  'Connection: close\r\n' +
  'Host: localhost:8000\r\n' +
  'Icy-MetaData: 1\r\n' +
  'Content-Type: audio/mpeg\r\n' +
  'Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n' +
  '\r\n';

describe('parseRequestHead', () => {
  it('parses a libshout SOURCE request over HTTP/1.0 without Host, UTF-8 in a header value', () => {
    const head = parse(`${LIBSHOUT_SOURCE}OggS-body`);
    assert.equal(head.method, 'SOURCE');
    assert.equal(head.target, '/live.ogg');
    assert.equal(head.path, '/live.ogg');
    assert.equal(head.version, '1.0');
    assert.equal(head.headers.get('ice-name'), 'Späti Radio');
    assert.equal(head.headers.get('content-type'), 'application/ogg');
    assert.equal(head.headers.has('host'), false);
    assert.equal(head.headBytes, bytes(LIBSHOUT_SOURCE).length);
  });

  it('parses an ffmpeg PUT over HTTP/1.1 with lowercase names', () => {
    const head = parse(FFMPEG_PUT);
    assert.equal(head.method, 'PUT');
    assert.equal(head.version, '1.1');
    assert.equal(head.headers.get('transfer-encoding'), 'chunked');
    assert.equal(head.headers.get('icy-metadata'), '1');
    assert.equal(head.headers.size, 9);
  });

  it('accepts bare LF line endings and mixed endings', () => {
    const head = parse('GET /a HTTP/1.0\nHost: x\r\nIcy-MetaData: 1\n\nrest');
    assert.equal(head.headers.get('icy-metadata'), '1');
    assert.equal(head.headBytes, 'GET /a HTTP/1.0\nHost: x\r\nIcy-MetaData: 1\n\n'.length);
  });

  it('ignores empty lines before the request line (RFC 9112 §2.2)', () => {
    assert.equal(parse('\r\n\nGET / HTTP/1.1\r\n\r\n').path, '/');
  });

  it('splits the query, decodes the path and accepts absolute-form and asterisk-form targets', () => {
    const head = parse('GET /live%20show.mp3?mode=updinfo&song=A+%26+B&pass=x HTTP/1.1\r\n\r\n');
    assert.equal(head.path, '/live show.mp3');
    assert.equal(head.query.get('mode'), 'updinfo');
    assert.equal(head.query.get('song'), 'A & B');
    assert.equal(parse('GET http://example.org:8000/live?x=1 HTTP/1.1\r\n\r\n').path, '/live');
    assert.equal(parse('GET http://example.org HTTP/1.1\r\n\r\n').path, '/');
    assert.equal(parse('OPTIONS * HTTP/1.1\r\n\r\n').path, '*');
    assert.equal(parse('GET /a#frag HTTP/1.1\r\n\r\n').path, '/a');
  });

  it('joins repeated headers with ", " and trims optional whitespace', () => {
    const head = parse('GET / HTTP/1.1\r\nAccept: a\r\naccept:b \t\r\nX-Empty:\r\n\r\n');
    assert.equal(head.headers.get('accept'), 'a, b');
    assert.equal(head.headers.get('x-empty'), '');
  });

  it('accepts any token method', () => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'SOURCE', 'OPTIONS', 'DELETE', 'M-SEARCH']) {
      assert.equal(parse(`${method} / HTTP/1.1\r\n\r\n`).method, method);
    }
  });

  it('returns null for every prefix of a complete head', () => {
    const full = bytes(FFMPEG_PUT);
    for (let n = 0; n < full.length; n++) assert.equal(parseRequestHead(full.subarray(0, n), MAX), null, `prefix ${n}`);
    assert.ok(parseRequestHead(full, MAX));
  });

  it('normalises Content-Length and refuses conflicting or non-numeric values', () => {
    assert.equal(parse('PUT / HTTP/1.1\r\nContent-Length: 007\r\n\r\n').headers.get('content-length'), '7');
    assert.equal(parse('PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n').headers.get('content-length'), '5');
    throwsCode(() => parse('PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n'), 'HTTP_BAD_REQUEST', /Content-Length "5, 6"/);
    throwsCode(() => parse('PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n'), 'HTTP_BAD_REQUEST');
  });

  describe('rejects with HTTP_BAD_REQUEST', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['TLS client hello', '\x16\x03\x01\x02\x00\x01', /starts with byte 0x16 .* no TLS/],
      ['a garbage request line', 'hello there\r\n\r\n', /not "METHOD SP target SP HTTP\/1.x"/],
      ['two spaces', 'GET  / HTTP/1.1\r\n\r\n', /"GET {2}\/ HTTP\/1.1" is not "METHOD SP target SP/],
      ['a bad version', 'GET / HTTP/2.0\r\n\r\n', /HTTP version "HTTP\/2.0" is not supported/],
      ['a lowercase version', 'GET / http/1.1\r\n\r\n', /HTTP version "http\/1.1"/],
      ['an ICY version', 'SOURCE /live ICE/1.0\r\n\r\n', /HTTP version "ICE\/1.0"/],
      ['a missing version', 'GET /\r\n\r\n', /not "METHOD SP target SP HTTP\/1.x"/],
      ['a relative target', 'GET live HTTP/1.1\r\n\r\n', /must start with '\/'/],
      ['a bad percent-escape', 'GET /%zz HTTP/1.1\r\n\r\n', /malformed percent-escape/],
      ['an encoded NUL in the path', 'GET /a%00b HTTP/1.1\r\n\r\n', /control characters/],
      ['a header line without a colon', 'GET / HTTP/1.1\r\nHost example\r\n\r\n', /header line 1 starting "Host" has no colon/],
      ['space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', /field name starting "Host" is not a token/],
      ['obs-fold', 'GET / HTTP/1.1\r\nX-A: 1\r\n  continued\r\n\r\n', /obsolete line folding/],
      ['a NUL in a value', 'GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n', /"x-a" contains control byte 0x00/],
      ['a bare CR in a value', 'GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n', /control byte 0x0d/],
      ['an empty field name', 'GET / HTTP/1.1\r\n: x\r\n\r\n', /empty field name/],
      ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', /2 Host header fields/],
      ['a control byte in the target', 'GET /a\x01 HTTP/1.1\r\n\r\n', /control byte 0x01/],
      ["'*' with GET", 'GET * HTTP/1.1\r\n\r\n', /only valid with OPTIONS/],
    ];
    for (const [what, head, message] of cases) {
      it(what, () => throwsCode(() => parseRequestHead(latin1(head), MAX), 'HTTP_BAD_REQUEST', message));
    }
  });

  it('rejects a garbage request line as soon as it ends, before the blank line', () => {
    throwsCode(() => parseRequestHead(bytes('GET / HTTP/9\r\n'), MAX), 'HTTP_BAD_REQUEST');
  });

  it('never echoes a header value or the query string in its messages (they may hold secrets)', () => {
    throwsCode(() => parse('GET / HTTP/1.1\r\nAuthorization Basic c2VjcmV0\r\n\r\n'), 'HTTP_BAD_REQUEST', /^(?!.*c2VjcmV0)/);
    throwsCode(() => parse('GET /x?pass=hunter2 HTTP/3\r\n\r\n'), 'HTTP_BAD_REQUEST', /^(?!.*hunter2)/);
    throwsCode(() => parse('GET /x?pass=hunter2 HTTP/1.1 extra\r\n\r\n'), 'HTTP_BAD_REQUEST', /^(?!.*hunter2)/);
  });

  it('throws HTTP_HEADER_TOO_LARGE as soon as the limit passes without a blank line', () => {
    const start = bytes(`GET / HTTP/1.1\r\nX-Long: ${'a'.repeat(MAX)}`);
    assert.equal(parseRequestHead(start.subarray(0, MAX - 1), MAX), null);
    throwsCode(() => parseRequestHead(start.subarray(0, MAX), MAX), 'HTTP_HEADER_TOO_LARGE', /larger than 8192 bytes/);
    throwsCode(() => parseRequestHead(start, MAX), 'HTTP_HEADER_TOO_LARGE');
  });

  it('accepts a head of exactly the limit and refuses one byte more', () => {
    const filler = (n: number): string => `GET / HTTP/1.1\r\nX: ${'a'.repeat(n)}\r\n\r\n`;
    const exact = bytes(filler(MAX - bytes(filler(0)).length));
    assert.equal(exact.length, MAX);
    assert.equal(parseRequestHead(exact, MAX)?.headBytes, MAX);
    throwsCode(() => parseRequestHead(bytes(filler(MAX - bytes(filler(0)).length + 1)), MAX), 'HTTP_HEADER_TOO_LARGE');
  });

  it('does not count body bytes after the head against the limit', () => {
    const withBody = new Uint8Array(MAX * 4);
    withBody.set(bytes(LIBSHOUT_SOURCE));
    assert.equal(parseRequestHead(withBody, MAX)?.headBytes, bytes(LIBSHOUT_SOURCE).length);
  });

  it('never throws anything but AircheckError on random bytes, and is consistent on prefixes', () => {
    fc.assert(fc.property(fc.oneof(
      fc.uint8Array({ maxLength: 400, size: 'max' }),
      fc.array(fc.constantFrom(...'GET /a HTTP/1.1\r\n: xX-\t \0é?%'.split('')), { maxLength: 300, size: 'max' }).map((a) => bytes(a.join(''))),
    ), (buf) => {
      try {
        const head = parseRequestHead(buf, 256);
        if (head !== null) {
          assert.ok(head.headBytes <= Math.min(256, buf.length));
          // The same head parses identically from exactly its own bytes.
          assert.deepEqual(parseRequestHead(buf.subarray(0, head.headBytes), 256), head);
        }
      } catch (e) {
        assert.ok(e instanceof AircheckError, String(e));
        assert.ok(e.code === 'HTTP_BAD_REQUEST' || e.code === 'HTTP_HEADER_TOO_LARGE', e.code);
      }
    }), { numRuns: 3000 });
  });
});

describe('parseBasicAuth (RFC 7617)', () => {
  it('decodes user and password, keeping colons in the password', () => {
    assert.deepEqual(parseBasicAuth('Basic c291cmNlOmhhY2ttZQ=='), { user: 'source', password: 'hackme' });
    assert.deepEqual(parseBasicAuth(`basic ${btoa('u:p:a:ss')}`), { user: 'u', password: 'p:a:ss' });
    assert.deepEqual(parseBasicAuth(`BASIC   ${btoa(':')}  `), { user: '', password: '' });
  });

  it('decodes UTF-8 credentials and falls back to Latin-1', () => {
    const utf8 = btoa(String.fromCharCode(...new TextEncoder().encode('jörg:pässwörd')));
    assert.deepEqual(parseBasicAuth(`Basic ${utf8}`), { user: 'jörg', password: 'pässwörd' });
    assert.deepEqual(parseBasicAuth(`Basic ${btoa('j\xf6rg:x')}`), { user: 'jörg', password: 'x' });
  });

  it('returns null for other schemes, bad base64 or no colon', () => {
    for (const value of ['Bearer abc', 'Basic', 'Basic !!!!', 'Basic a', `Basic ${btoa('nocolon')}`, 'Basicc291cmNl', 'Basic c29 1cmNl', 'Digest x=1']) {
      assert.equal(parseBasicAuth(value), null, value);
    }
  });

  it('never throws on random strings', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      parseBasicAuth(s);
      parseBasicAuth(`Basic ${s}`);
    }));
  });
});

describe('formatResponseHead', () => {
  it('formats a status line, fields and the blank line', () => {
    assert.equal(
      formatResponseHead(200, 'OK', { 'Content-Type': 'audio/mpeg', 'icy-metaint': 16000, 'X-Skip': undefined }, '1.0'),
      'HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-metaint: 16000\r\n\r\n');
    assert.equal(formatResponseHead(404, 'Not Found', [['A', '1'], ['A', '2']]), 'HTTP/1.1 404 Not Found\r\nA: 1\r\nA: 2\r\n\r\n');
  });

  it('turns control characters in values into spaces so they cannot inject fields', () => {
    assert.equal(formatResponseHead(200, 'OK\r\nX: y', { 'icy-name': 'a\r\nSet-Cookie: x' }),
      'HTTP/1.1 200 OK  X: y\r\nicy-name: a  Set-Cookie: x\r\n\r\n');
  });

  it('throws RangeError for an invalid field name or status', () => {
    assert.throws(() => formatResponseHead(200, 'OK', { 'Bad Name': 'x' }), RangeError);
    assert.throws(() => formatResponseHead(2000, 'OK', {}), RangeError);
  });

  it('round-trips through parseRequestHead-style parsing of its own fields', () => {
    const head = formatResponseHead(200, 'OK', { 'ice-name': 'Späti ✓' });
    assert.ok(head.endsWith('\r\n\r\n'));
    assert.ok(head.includes('ice-name: Späti ✓\r\n'));
  });
});
