import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { AircheckError } from '../errors.ts';
import {
  getComment, identifyOggCodec, isOpusHead, isOpusTags, isVorbisSetup, opusPacketSamples,
  parseOpusHead, parseOpusTags, parseVorbisComment, parseVorbisIdentification, withComments,
  writeOpusTags, writeVorbisComment,
} from './codec-headers.ts';
import type { CodecComments } from './codec-headers.ts';
import { OggPacketAssembler, parseOggPage } from './ogg-page.ts';

const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const isBadAudio = (e: unknown): boolean => e instanceof AircheckError && e.code === 'SOURCE_BAD_AUDIO';

// OpusHead and OpusTags packets written by ffmpeg 5.1 + libopus (mono, pre-skip 312, 48 kHz input).
const FFMPEG_OPUS_HEAD = fromHex('4f707573486561640101380180bb0000000000');
const FFMPEG_OPUS_TAGS = fromHex(
  '4f707573546167730d0000004c61766635392e32372e313030010000001d000000656e636f6465723d4c61766335392e33372e313030206c69626f707573');

const tmp = mkdtempSync(join(tmpdir(), 'aircheck-codec-headers-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The packets of a file made by ffmpeg. */
function ffmpegPackets(name: string, args: string[]): Uint8Array[] {
  const file = join(tmp, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, file]);
  const buf = new Uint8Array(readFileSync(file));
  const assembler = new OggPacketAssembler();
  const packets: Uint8Array[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const r = parseOggPage(buf, offset);
    assert.ok(r);
    for (const p of assembler.push(r.page)) packets.push(p.data);
    offset = r.nextOffset;
  }
  return packets;
}

describe('identifyOggCodec', () => {
  it('names Opus, Vorbis and the codecs we refuse from their first packet', () => {
    assert.equal(identifyOggCodec(FFMPEG_OPUS_HEAD), 'opus');
    assert.equal(identifyOggCodec(ascii('\x01vorbis\0\0\0\0')), 'vorbis');
    assert.equal(identifyOggCodec(ascii('\x7fFLAC\x01\x00')), 'flac');
    assert.equal(identifyOggCodec(ascii('Speex   1.2')), 'speex');
    assert.equal(identifyOggCodec(ascii('\x80theora')), 'theora');
    assert.equal(identifyOggCodec(ascii('fishead\0')), 'skeleton');
    assert.equal(identifyOggCodec(ascii('Opus')), 'unknown');
    assert.equal(identifyOggCodec(new Uint8Array(0)), 'unknown');
  });

  it('recognises what ffmpeg writes for FLAC and Speex in Ogg', () => {
    assert.equal(identifyOggCodec(ffmpegPackets('a.oga', ['-f', 'lavfi', '-i', 'sine=duration=0.3', '-c:a', 'flac', '-f', 'ogg'])[0] as Uint8Array), 'flac');
    assert.equal(identifyOggCodec(ffmpegPackets('a.spx', ['-f', 'lavfi', '-i', 'sine=duration=0.3', '-ar', '16000', '-c:a', 'libspeex', '-f', 'ogg'])[0] as Uint8Array), 'speex');
  });
});

describe('parseOpusHead', () => {
  it('reads the golden ffmpeg OpusHead (RFC 7845 §5.1)', () => {
    const head = parseOpusHead(FFMPEG_OPUS_HEAD);
    assert.deepEqual({ ...head, channelMapping: [...head.channelMapping] }, {
      version: 1, channels: 1, preSkip: 312, inputSampleRateHz: 48000, outputGainQ8: 0,
      mappingFamily: 0, streamCount: 1, coupledCount: 0, channelMapping: [0],
    });
    assert.ok(isOpusHead(FFMPEG_OPUS_HEAD));
    assert.ok(!isOpusTags(FFMPEG_OPUS_HEAD));
  });

  it('reads a negative output gain and a family-1 channel mapping', () => {
    const head = fromHex('4f707573486561640106380144ac0000' + '00ff' + '01' + '04' + '02' + '000401030205');
    const parsed = parseOpusHead(head);
    assert.equal(parsed.outputGainQ8, -256);
    assert.equal(parsed.inputSampleRateHz, 44100);
    assert.equal(parsed.channels, 6);
    assert.deepEqual([parsed.streamCount, parsed.coupledCount, [...parsed.channelMapping]], [4, 2, [0, 4, 1, 3, 2, 5]]);
  });

  it('rejects broken headers with SOURCE_BAD_AUDIO naming the field and the value', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [ascii('OpusHeat\x01\x02'), /magic is 'OpusHeat', expected 'OpusHead'/],
      [FFMPEG_OPUS_HEAD.subarray(0, 18), /length is 18, expected at least 19 bytes/],
      [patch(FFMPEG_OPUS_HEAD, 8, 0x10), /version is 16, expected 0..15/],
      [patch(FFMPEG_OPUS_HEAD, 9, 0), /channel count is 0/],
      [patch(FFMPEG_OPUS_HEAD, 9, 3), /channel count is 3, expected 1 or 2 for mapping family 0/],
      [patch(FFMPEG_OPUS_HEAD, 18, 1), /length is 19, expected 22 bytes for mapping family 1 with 1 channels/],
    ];
    for (const [packet, message] of cases) {
      assert.throws(() => parseOpusHead(packet), (e: unknown) => isBadAudio(e) && message.test((e as Error).message), String(message));
    }
  });

  it('parses what ffmpeg writes for stereo Opus', () => {
    const [head] = ffmpegPackets('st.opus', ['-f', 'lavfi', '-i', 'sine=duration=0.3', '-ac', '2', '-c:a', 'libopus']);
    assert.equal(parseOpusHead(head as Uint8Array).channels, 2);
  });
});

describe('opusPacketSamples (RFC 6716 §3.1)', () => {
  it('reads the frame size and count from the TOC byte', () => {
    assert.equal(opusPacketSamples(Uint8Array.of(0xf8)), 960); // config 31 (CELT 20 ms), code 0
    assert.equal(opusPacketSamples(Uint8Array.of(0xf9)), 1920); // code 1: two frames
    assert.equal(opusPacketSamples(Uint8Array.of(0x08 | 0x03, 0x03)), 3 * 960); // SILK 20 ms, code 3, 3 frames
    assert.equal(opusPacketSamples(Uint8Array.of(0x80)), 120); // CELT 2.5 ms
    assert.equal(opusPacketSamples(Uint8Array.of(0x18)), 2880); // SILK 60 ms
    assert.equal(opusPacketSamples(Uint8Array.of(0x68)), 960); // hybrid 20 ms
    assert.equal(opusPacketSamples(new Uint8Array(0)), 0);
    assert.equal(opusPacketSamples(Uint8Array.of(0x03)), 0); // code 3 without its count byte
  });

  it('adds up to the granule positions ffmpeg writes', () => {
    const packets = ffmpegPackets('dur.opus', ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'libopus', '-frame_duration', '60']);
    const samples = packets.slice(2).reduce((n, p) => n + opusPacketSamples(p), 0);
    assert.equal(samples % 2880, 0);
    assert.ok(samples >= 48000 && samples <= 48000 + 312 + 2880, String(samples));
  });
});

describe('OpusTags (RFC 7845 §5.2)', () => {
  it('reads the golden ffmpeg tags', () => {
    const tags = parseOpusTags(FFMPEG_OPUS_TAGS);
    assert.equal(tags.vendor, 'Lavf59.27.100');
    assert.deepEqual(tags.comments, [{ key: 'encoder', value: 'Lavc59.37.100 libopus' }]);
    assert.equal(tags.trailing.length, 0);
    assert.equal(getComment(tags, 'ENCODER'), 'Lavc59.37.100 libopus');
  });

  it('writes back the golden packet byte for byte', () => {
    assert.deepEqual(writeOpusTags(parseOpusTags(FFMPEG_OPUS_TAGS)), FFMPEG_OPUS_TAGS);
  });

  it('injects now-playing TITLE and ARTIST, replacing existing fields in any case', () => {
    const tags: CodecComments = { vendor: 'v', comments: [{ key: 'title', value: 'old' }, { key: 'ALBUM', value: 'A' }], trailing: new Uint8Array(0) };
    const updated = withComments(tags, { TITLE: 'Nüe Tïtle — ✓', ARTIST: 'Ärtist', ALBUM: null });
    const reparsed = parseOpusTags(writeOpusTags(updated));
    assert.deepEqual(reparsed.comments, [{ key: 'TITLE', value: 'Nüe Tïtle — ✓' }, { key: 'ARTIST', value: 'Ärtist' }]);
    assert.equal(tags.comments.length, 2, 'the input is untouched');
    assert.throws(() => withComments(tags, { 'BAD=KEY': 'x' }), RangeError);
  });

  it('keeps trailing binary data whose first bit is set and drops padding', () => {
    const kept = concat(FFMPEG_OPUS_TAGS, Uint8Array.of(1, 2, 3));
    assert.deepEqual([...parseOpusTags(kept).trailing], [1, 2, 3]);
    assert.deepEqual(writeOpusTags(parseOpusTags(kept)), kept);
    assert.equal(parseOpusTags(concat(FFMPEG_OPUS_TAGS, new Uint8Array(8))).trailing.length, 0);
  });

  it('rejects truncated or corrupt tags with SOURCE_BAD_AUDIO', () => {
    for (let n = 0; n < FFMPEG_OPUS_TAGS.length; n++) {
      assert.throws(() => parseOpusTags(FFMPEG_OPUS_TAGS.subarray(0, n)), isBadAudio, `prefix ${n}`);
    }
    assert.throws(() => parseOpusTags(patch(FFMPEG_OPUS_TAGS, 28, 0xff)), /comment count is 4278190081, but only 33 bytes follow/);
  });

  it('round-trips any vendor and comments', () => {
    fc.assert(fc.property(
      fc.string(), fc.array(fc.record({ key: fc.stringMatching(/^[A-Z_]{1,12}$/), value: fc.string() }), { maxLength: 6 }),
      (vendor, comments) => {
        const tags = { vendor, comments: comments.map((c) => ({ ...c })), trailing: new Uint8Array(0) };
        assert.deepEqual(parseOpusTags(writeOpusTags(tags)), tags);
        assert.deepEqual(parseVorbisComment(writeVorbisComment(tags)), tags);
      }));
  });
});

describe('Vorbis headers (Vorbis I spec §4.2)', () => {
  it('parses the three headers ffmpeg writes', () => {
    const [id, comment, setup] = ffmpegPackets('v.ogg', ['-f', 'lavfi', '-i', 'sine=duration=0.5:sample_rate=44100', '-ac', '2', '-c:a', 'libvorbis', '-b:a', '128k']);
    const info = parseVorbisIdentification(id as Uint8Array);
    assert.equal(info.channels, 2);
    assert.equal(info.sampleRateHz, 44100);
    assert.equal(info.bitrateNominal, 128000);
    assert.deepEqual([info.blocksize0, info.blocksize1], [256, 2048]);
    const tags = parseVorbisComment(comment as Uint8Array);
    assert.match(tags.vendor, /^Lavf/); // ffmpeg replaces libvorbis's vendor string with its own
    assert.ok(isVorbisSetup(setup as Uint8Array));
    assert.deepEqual(writeVorbisComment(tags), comment, 'the comment header writes back byte for byte');
  });

  it('rejects a broken identification header naming the field', () => {
    const id = concat(ascii('\x01vorbis'), fromHex('00000000' + '02' + '44ac0000' + '00000000' + '00f40100' + '00000000' + 'b8' + '01'));
    assert.equal(parseVorbisIdentification(id).sampleRateHz, 44100);
    assert.throws(() => parseVorbisIdentification(patch(id, 7, 1)), /vorbis_version is 1, expected 0/);
    assert.throws(() => parseVorbisIdentification(patch(id, 11, 0)), /audio_channels is 0/);
    assert.throws(() => parseVorbisIdentification(patch(id, 28, 0x8b)), /blocksize pair is 2048\/256/);
    assert.throws(() => parseVorbisIdentification(patch(id, 29, 0)), /framing bit is 0, expected 1/);
    assert.throws(() => parseVorbisIdentification(id.subarray(0, 29)), /length is 29, expected 30 bytes/);
    assert.throws(() => parseVorbisComment(ascii('\x03vorbis\0\0\0\0\0\0\0\0')), /framing bit is missing/);
  });
});

describe('fuzzing', () => {
  it('throws nothing but AircheckError on random packets', () => {
    const parsers = [parseOpusHead, parseOpusTags, parseVorbisIdentification, parseVorbisComment];
    const prefixes = ['OpusHead', 'OpusTags', '\x01vorbis', '\x03vorbis', ''].map(ascii);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80, size: 'max' }), fc.nat(4), fc.nat(3), (bytes, pre, which) => {
      const packet = concat(prefixes[pre] as Uint8Array, bytes);
      identifyOggCodec(packet);
      opusPacketSamples(packet);
      try {
        (parsers[which] as (p: Uint8Array) => unknown)(packet);
      } catch (e) {
        assert.ok(e instanceof AircheckError, String(e));
      }
    }), { numRuns: 5000 });
  });
});

function patch(buf: Uint8Array, at: number, value: number): Uint8Array {
  const out = buf.slice();
  out[at] = value;
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
