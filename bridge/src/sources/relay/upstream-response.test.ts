// Reading an upstream's answer: Icecast's HTTP/1.0, SHOUTcast's ICY 200, bare-LF heads, split heads,
// and answers that are not HTTP.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MAX_RESPONSE_HEAD_BYTES, parseUpstreamHead } from './upstream-response.ts';
import { upstreamRequestHead } from './upstream-connection.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('parseUpstreamHead', () => {
  it("reads Icecast 2.4's answer and gives where the body starts", () => {
    const head = 'HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-metaint:16000\r\nicy-name: Jazz\r\nicy-name: FM\r\n\r\n';
    const r = parseUpstreamHead(bytes(`${head}\xff\xfb`));
    assert.equal(r.kind, 'head');
    if (r.kind !== 'head') return;
    assert.equal(r.head.statusCode, 200);
    assert.equal(r.head.protocol, 'HTTP/1.0');
    assert.equal(r.head.headers.get('content-type'), 'audio/mpeg');
    assert.equal(r.head.headers.get('icy-metaint'), '16000');
    assert.equal(r.head.headers.get('icy-name'), 'Jazz, FM');
    assert.equal(r.bodyStart, head.length);
  });

  it("reads SHOUTcast v1's ICY 200 OK with bare LF line ends", () => {
    const r = parseUpstreamHead(bytes('ICY 200 OK\nicy-metaint: 8192\ncontent-type: audio/aacp\n\nBODY'));
    assert.equal(r.kind, 'head');
    if (r.kind !== 'head') return;
    assert.equal(r.head.protocol, 'ICY');
    assert.equal(r.head.headers.get('content-type'), 'audio/aacp');
    assert.equal(r.bodyStart, 'ICY 200 OK\nicy-metaint: 8192\ncontent-type: audio/aacp\n\n'.length);
  });

  it('waits for the rest of a split head, and refuses one that never ends', () => {
    assert.equal(parseUpstreamHead(bytes('HTTP/1.0 200 OK\r\nContent-Ty')).kind, 'incomplete');
    const endless = bytes(`HTTP/1.0 200 OK\r\nX: ${'a'.repeat(MAX_RESPONSE_HEAD_BYTES)}`);
    assert.equal(parseUpstreamHead(endless).kind, 'invalid');
  });

  it('refuses what is not HTTP: a raw MP3 stream, a bad status line, a header without a name', () => {
    const raw = parseUpstreamHead(new Uint8Array([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0]));
    assert.equal(raw.kind, 'invalid');
    if (raw.kind === 'invalid') assert.match(raw.reason, /not HTTP: it starts ff fb 90 64/);
    assert.equal(parseUpstreamHead(bytes('HTTP/1.0 OK\r\n\r\n')).kind, 'invalid');
    assert.equal(parseUpstreamHead(bytes('HTTP/1.0 200 OK\r\n: x\r\n\r\n')).kind, 'invalid');
  });
});

describe('upstreamRequestHead', () => {
  it('asks with HTTP/1.0, Icy-MetaData and Basic auth only when configured', () => {
    const head = upstreamRequestHead({ url: new URL('http://radio.example:8000/live?x=1'), user: 'relay', password: 'pw', icyMetadata: true, userAgent: 'Aircheck' });
    assert.match(head, /^GET \/live\?x=1 HTTP\/1\.0\r\nHost: radio\.example:8000\r\n/);
    assert.match(head, /\r\nIcy-MetaData: 1\r\n/);
    assert.match(head, new RegExp(`\\r\\nAuthorization: Basic ${Buffer.from('relay:pw').toString('base64')}\\r\\n`));
    assert.ok(head.endsWith('\r\n\r\n'));
    const plain = upstreamRequestHead({ url: new URL('http://h/s'), user: null, password: null, icyMetadata: false, userAgent: 'A' });
    assert.doesNotMatch(plain, /Icy-MetaData|Authorization/);
  });
});
