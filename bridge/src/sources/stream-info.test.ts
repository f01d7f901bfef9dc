import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRequestHead } from '../http/request-head.ts';
import { FIELD_MAX_CHARS, cleanText, cleanTitle, headerValue, httpUrlOrNull, playlistLine, streamInfoFromHeaders } from './stream-info.ts';

const headers = (entries: Record<string, string>) => new Map(Object.entries(entries));
// Characters that end a line or a field somewhere: C0, DEL, C1, LINE/PARAGRAPH SEPARATOR.
 
const BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('streamInfoFromHeaders', () => {
  it('keeps what ffmpeg sends for an ordinary stream', () => {
    const { info, dropped } = streamInfoFromHeaders(headers({
      'ice-name': 'Radio Ünïcode ✓', 'ice-description': 'Late night', 'ice-genre': 'Jazz', 'ice-url': 'https://radio.example/shows',
      'ice-public': '1', 'ice-audio-info': 'ice-samplerate=44100;ice-bitrate=128;ice-channels=2', 'user-agent': 'Lavf/59.27.100',
    }));
    assert.deepEqual(dropped, []);
    assert.deepEqual(info, {
      name: 'Radio Ünïcode ✓', description: 'Late night', genre: 'Jazz', url: 'https://radio.example/shows', public: true,
      bitrateKbps: 128, sampleRateHz: 44100, channels: 2, audioInfo: 'ice-samplerate=44100;ice-bitrate=128;ice-channels=2', userAgent: 'Lavf/59.27.100',
    });
  });

  it('reads icy-* headers (SHOUTcast sources) when ice-* are absent', () => {
    const { info } = streamInfoFromHeaders(headers({ 'icy-name': 'N', 'icy-genre': 'G', 'icy-url': 'http://x.example/', 'icy-pub': '1', 'icy-br': '96' }));
    assert.equal(info.name, 'N');
    assert.equal(info.url, 'http://x.example/');
    assert.equal(info.bitrateKbps, 96);
    assert.equal(info.public, true);
  });

  for (const [field, value] of [
    ['ice-url', 'javascript:alert(document.cookie)'],
    ['ice-url', 'data:text/html,<script>alert(1)</script>'],
    ['icy-url', '/relative/path'],
    ['ice-url', 'ftp://files.example/'],
    ['ice-url', 'not a url at all'],
  ] as const) {
    it(`drops ${field} "${value}" and reports the field`, () => {
      const { info, dropped } = streamInfoFromHeaders(headers({ [field]: value }));
      assert.equal(info.url, '');
      assert.equal(dropped.length, 1);
      assert.equal(dropped[0]!.field, field);
      assert.match(dropped[0]!.reason, new RegExp(`${field} is not an absolute http\\(s\\) URL`));
    });
  }

  it('reports nothing when no URL was sent', () => {
    assert.deepEqual(streamInfoFromHeaders(headers({ 'ice-name': 'x' })).dropped, []);
  });

  it('stores a URL in its serialised form, quotes in the query percent-encoded', () => {
    assert.equal(httpUrlOrNull("HTTP://Radio.Example/a b?q=it's"), "http://radio.example/a%20b?q=it%27s");
    assert.equal(httpUrlOrNull('http://'), null);
  });

  it('keeps HTML as text (it is escaped where it is written) but removes line breaks and controls', () => {
    const { info } = streamInfoFromHeaders(headers({ 'ice-name': '<script>alert(1)</script>', 'ice-description': 'a\u0085b\u2028c\u009bd' }));
    assert.equal(info.name, '<script>alert(1)</script>');
    assert.equal(info.description, 'a b c d');
  });

  it('replaces invalid UTF-8 from the wire with U+FFFD', () => {
    const wire = Buffer.concat([
      Buffer.from('PUT /live HTTP/1.1\r\nice-name: Bad '),
      Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
      Buffer.from(' end\r\n\r\n'),
    ]);
    const head = parseRequestHead(wire, 8192)!;
    const { info } = streamInfoFromHeaders(head.headers);
    assert.ok(info.name.startsWith('Bad \ufffd'));
    assert.ok(info.name.endsWith(' end'));
    assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(info.name)));
  });

  it('bounds every field, cutting between characters', () => {
    const { info } = streamInfoFromHeaders(headers({ 'ice-name': '🎵'.repeat(1000), 'ice-description': 'd'.repeat(5000), 'ice-genre': 'g'.repeat(300) }));
    assert.equal([...info.name].length, FIELD_MAX_CHARS.name);
    assert.ok(!LONE_SURROGATE.test(info.name));
    assert.equal(info.description.length, FIELD_MAX_CHARS.description);
    assert.equal(info.genre.length, FIELD_MAX_CHARS.genre);
  });

  it('takes only plain decimal bitrates', () => {
    assert.equal(streamInfoFromHeaders(headers({ 'ice-bitrate': '128; DROP' })).info.bitrateKbps, null);
    assert.equal(streamInfoFromHeaders(headers({ 'ice-bitrate': '9'.repeat(40) })).info.bitrateKbps, null);
  });
});

describe('cleanText and the output escapers', () => {
  it('turns CR/LF and control runs into one space and trims', () => {
    assert.equal(cleanText('  a\r\n\r\nb\t\u0000c  ', 100), 'a b c');
    assert.equal(cleanTitle("x';StreamUrl='http://evil.example/';"), "x';StreamUrl='http://evil.example/';", 'quotes are the ICY writer\'s business');
  });

  it('replaces lone surrogates', () => {
    assert.equal(cleanText('a\ud800b\udc00c', 10), 'a\ufffdb\ufffdc');
  });

  it('never leaves a line break, a control character or invalid UTF-16, and stays within bounds (fast-check)', () => {
    const evil = fc.string({ unit: fc.constantFrom('\r', '\n', '\u0000', '\u0085', '\u2028', '\ud800', '\udc00', '😀', 'a', ' ', "'", '<', '"') });
    fc.assert(fc.property(fc.oneof(evil, fc.string({ unit: 'binary' })), fc.integer({ min: 1, max: 50 }), (value, max) => {
      for (const out of [cleanText(value, max), headerValue(value), playlistLine(value)]) {
        assert.ok(!BREAKING.test(out), JSON.stringify(out));
        assert.ok(!LONE_SURROGATE.test(out), JSON.stringify(out));
        assert.equal(out, out.trim());
      }
      assert.ok([...cleanText(value, max)].length <= max);
    }), { numRuns: 1000 });
  });

  it('gives HTTP header values that no CR/LF can split (fast-check)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (value) => {
      const line = `icy-name: ${headerValue(value)}\r\n`;
      assert.equal(line.indexOf('\r'), line.length - 2);
      assert.equal(line.indexOf('\n'), line.length - 1);
    }), { numRuns: 1000 });
  });

  it('accepts only absolute http(s) URLs (fast-check)', () => {
    fc.assert(fc.property(fc.oneof(fc.webUrl(), fc.string(), fc.constantFrom('javascript:alert(1)', 'JAVASCRIPT:x', ' javascript:x', 'vbscript:x', 'data:,x', '//evil.example/')), (value) => {
      const url = httpUrlOrNull(value);
      if (url !== null) {
        assert.match(url, /^https?:\/\/[^/]/);
        assert.ok(!BREAKING.test(url) && !/[\s'"<>]/.test(url), url);
      }
    }), { numRuns: 1000 });
  });
});
