import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AircheckError } from '../../../../shared/src/errors.ts';
import { writeOggPage } from '../../../../shared/src/ogg/ogg-page.ts';
import { SUPPORTED_CONTENT_TYPES, containerForContentType, createFramer, sniffFormat } from './create-framer.ts';
import { Mp3Framer } from '../../../../shared/src/mp3/mp3-framer.ts';
import { OggFramer } from '../../../../shared/src/ogg/ogg-framer.ts';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

function mp3Frames(count: number): Uint8Array {
  const out = new Uint8Array(417 * count);
  for (let i = 0; i < count; i++) out.set([0xff, 0xfb, 0x90, 0x00], i * 417);
  return out;
}

describe('createFramer', () => {
  it('picks the MP3 framer for audio/mpeg, audio/mp3 and audio/mpeg3', () => {
    for (const type of ['audio/mpeg', 'audio/mp3', 'audio/mpeg3']) assert.ok(createFramer(type) instanceof Mp3Framer, type);
  });

  it('picks the Ogg framer for the Ogg types', () => {
    for (const type of ['application/ogg', 'audio/ogg', 'audio/opus', 'audio/vorbis', 'audio/x-ogg']) {
      assert.ok(createFramer(type) instanceof OggFramer, type);
    }
  });

  it('ignores case, whitespace and parameters (RFC 9110 §8.3.1)', () => {
    assert.ok(createFramer(' Audio/MPEG ; charset=binary') instanceof Mp3Framer);
    assert.ok(createFramer('audio/ogg; codecs=opus') instanceof OggFramer);
    assert.equal(containerForContentType('AUDIO/OGG'), 'ogg');
  });

  it('refuses anything else with SOURCE_UNSUPPORTED_FORMAT, naming the type and listing the supported ones', () => {
    for (const type of ['audio/aac', 'audio/flac', 'video/mp4', '', 'audio/mpegx', 'constructor', '__proto__']) {
      assert.throws(() => createFramer(type), (e: unknown) => {
        assert.ok(e instanceof AircheckError);
        assert.equal(e.code, 'SOURCE_UNSUPPORTED_FORMAT');
        assert.ok(e.message.includes(JSON.stringify(type)), e.message);
        for (const supported of Object.keys(SUPPORTED_CONTENT_TYPES)) assert.ok(e.message.includes(supported), supported);
        return true;
      });
    }
  });

  it('shortens an absurdly long type in the message', () => {
    assert.throws(() => createFramer('x'.repeat(10_000)), (e: unknown) => e instanceof AircheckError && e.message.length < 500);
  });

  it('returns a fresh framer each time', () => {
    assert.notEqual(createFramer('audio/mpeg'), createFramer('audio/mpeg'));
  });
});

describe('sniffFormat', () => {
  it("says 'ogg' for the Ogg capture pattern", () => {
    assert.equal(sniffFormat(writeOggPage({ serial: 1, sequence: 0, granulePosition: 0n, packets: [ascii('OpusHead')], bos: true })), 'ogg');
    assert.equal(sniffFormat(ascii('OggS')), 'ogg');
  });

  it("says 'mp3' for an ID3v2 tag or a confirmed frame header", () => {
    assert.equal(sniffFormat(ascii('ID3\x04\0\0\0\0\x01\x10')), 'mp3');
    assert.equal(sniffFormat(ascii('ID3\x03\0')), 'mp3');
    assert.equal(sniffFormat(mp3Frames(2)), 'mp3');
    assert.equal(sniffFormat(mp3Frames(1).subarray(0, 100)), 'mp3', 'a header with too few bytes to confirm');
  });

  it('says null for other bytes, too few bytes, or a frame header not followed by another', () => {
    assert.equal(sniffFormat(ascii('GET / HTTP/1.1\r\n')), null);
    assert.equal(sniffFormat(ascii('fLaC\0\0\0\x22')), null);
    assert.equal(sniffFormat(ascii('Ogg')), null);
    assert.equal(sniffFormat(new Uint8Array(0)), null);
    assert.equal(sniffFormat(ascii('ID3\x04\0\0\xff\0\0\0')), null);
    const lonely = new Uint8Array(500);
    lonely.set([0xff, 0xfb, 0x90, 0x00]);
    assert.equal(sniffFormat(lonely), null);
  });

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000, size: 'max' }), (bytes) => {
      const kind = sniffFormat(bytes);
      assert.ok(kind === null || kind === 'mp3' || kind === 'ogg');
    }));
  });
});
