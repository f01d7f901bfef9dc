import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { AircheckError } from '../errors.ts';
import type { AudioUnit } from '../audio-unit.ts';
import { MP3_MAX_GARBAGE_BYTES, Mp3Framer, mpegFrameLength } from './mp3-framer.ts';
import { concatBytes } from '../bytes.ts';
import { throwsCode, feedFramer } from '../../../test/helpers/assert-code.ts';

const tmp = mkdtempSync(join(tmpdir(), 'aircheck-mp3-framer-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const fixtures = new Map<string, Uint8Array>();
function ffmpeg(name: string, args: string[]): Uint8Array {
  const cached = fixtures.get(name);
  if (cached) return cached;
  const file = join(tmp, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', ...args, file]);
  const bytes = new Uint8Array(readFileSync(file));
  fixtures.set(name, bytes);
  return bytes;
}
const cbr = (): Uint8Array => ffmpeg('cbr.mp3', ['-c:a', 'libmp3lame', '-b:a', '128k']);
const short = (): Uint8Array => ffmpeg('short.mp3', ['-t', '0.2', '-c:a', 'libmp3lame', '-b:a', '64k']);

function ffprobePackets(name: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', join(tmp, name)]);
  return Number(String(out).trim());
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const concat = concatBytes;

const feed = (bytes: Uint8Array, splits: number[] = []) => feedFramer(new Mp3Framer(), bytes, splits);

function summary(units: AudioUnit[]): unknown[] {
  return units.map((u) => [Buffer.from(u.data).toString('hex'), u.durationUs, u.isSyncPoint]);
}


/** Size of the ID3v2 tag at the start of an ffmpeg file (ID3v2.4 §3.1). */
function id3Length(file: Uint8Array): number {
  if (file[0] !== 0x49) return 0;
  return 10 + (((file[6] as number) << 21) | ((file[7] as number) << 14) | ((file[8] as number) << 7) | (file[9] as number));
}

/** A synthetic MPEG-1 Layer III frame: 128 kbps, 44.1 kHz, stereo, 417 bytes; body filled with `fill`. */
function frame(fill: number, padded = false): Uint8Array {
  const f = new Uint8Array(padded ? 418 : 417).fill(fill);
  f.set([0xff, 0xfb, padded ? 0x92 : 0x90, 0x00]);
  return f;
}

describe('mpegFrameLength (ISO 11172-3 §2.4.2.3, 13818-3)', () => {
  it('computes frame lengths for each version and layer', () => {
    assert.equal(mpegFrameLength(Uint8Array.of(0xff, 0xfb, 0x90, 0x00), 0), 417); // MPEG-1 L3 128k 44.1k
    assert.equal(mpegFrameLength(Uint8Array.of(0xff, 0xfb, 0x92, 0x00), 0), 418); // padded
    assert.equal(mpegFrameLength(Uint8Array.of(0xff, 0xfb, 0xe4, 0x00), 0), 960); // MPEG-1 L3 320k 48k
    assert.equal(mpegFrameLength(Uint8Array.of(0xff, 0xf3, 0x84, 0xc4), 0), 192); // MPEG-2 L3 64k 24k: 72·64000/24000
    assert.equal(mpegFrameLength(Uint8Array.of(0xff, 0xe3, 0x28, 0xc4), 0), 144); // MPEG-2.5 L3 16k 8k
    assert.equal(mpegFrameLength(Uint8Array.of(0xff, 0xfd, 0xe0, 0xc4), 0), 1253); // MPEG-1 L2 384k 44.1k
    assert.equal(mpegFrameLength(Uint8Array.of(0xff, 0xff, 0x90, 0x00), 0), 312); // MPEG-1 L1 288k 44.1k: ⌊12·288000/44100⌋·4
  });

  it('rejects free format, bad bitrate, reserved rate, version, layer and emphasis', () => {
    for (const header of [
      [0xff, 0xfb, 0x00, 0x00], [0xff, 0xfb, 0xf0, 0x00], [0xff, 0xfb, 0x9c, 0x00], [0xff, 0xeb, 0x90, 0x00],
      [0xff, 0xf9, 0x90, 0x00], [0xff, 0xfb, 0x90, 0x02], [0xfe, 0xfb, 0x90, 0x00], [0xff, 0xdb, 0x90, 0x00],
    ]) {
      assert.equal(mpegFrameLength(Uint8Array.from(header), 0), 0, header.map((b) => b.toString(16)).join(' '));
    }
    assert.equal(mpegFrameLength(Uint8Array.of(0xff, 0xfb, 0x90), 0), 0, 'needs 4 bytes');
  });
});

describe('Mp3Framer with real ffmpeg MP3', () => {
  it('skips the ID3v2 tag and forwards every frame exactly (LAME Info frame included)', () => {
    const file = cbr();
    const tag = id3Length(file);
    assert.ok(tag > 10, 'ffmpeg writes an ID3v2 tag');
    const { units, framer } = feed(file);
    assert.deepEqual(concat(units.map((u) => u.data)), file.subarray(tag));
    assert.equal(units.length, ffprobePackets('cbr.mp3') + 1, 'ffprobe does not count the Info frame');
    assert.equal(framer.format, 'mp3');
    assert.deepEqual([framer.sampleRateHz, framer.channels, framer.bitrateKbps, framer.mpegVersion, framer.layer], [44100, 1, 128, 1, 3]);
    assert.ok(units.every((u) => u.isSyncPoint && !u.isHeader && !u.newStream));
  });

  it('times frames at 1152 samples / 44.1 kHz, adding up exactly', () => {
    const { units } = feed(cbr());
    assert.ok(units.every((u) => u.durationUs === 26122 || u.durationUs === 26123));
    const total = units.reduce((n, u) => n + u.durationUs, 0);
    assert.equal(total, Math.floor((units.length * 1152 * 1e6) / 44100));
  });

  it('returns views into the chunk', () => {
    const file = cbr();
    assert.ok(feed(file).units.every((u) => u.data.buffer === file.buffer));
  });

  it('gives the same frames however the bytes are split (every offset)', () => {
    const file = short();
    const whole = summary(feed(file).units);
    assert.ok(whole.length > 5);
    for (let at = 0; at <= file.length; at++) assert.deepEqual(summary(feed(file, [at]).units), whole, `split at ${at}`);
  });

  it('gives the same frames when fed one byte at a time, or in random chunks', () => {
    const file = short();
    const whole = summary(feed(file).units);
    assert.deepEqual(summary(feed(file, Array.from({ length: file.length }, (_, i) => i)).units), whole);
    const big = cbr();
    const bigWhole = summary(feed(big).units);
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: big.length }), { maxLength: 60, size: 'max' }), (cuts) => {
      assert.deepEqual(summary(feed(big, cuts.sort((a, b) => a - b)).units), bigWhole);
    }), { numRuns: 100 });
  });

  it('follows a VBR stream, reporting the bitrate of the last frame', () => {
    const file = ffmpeg('vbr.mp3', ['-c:a', 'libmp3lame', '-q:a', '2', '-ac', '2']);
    const { units, framer } = feed(file);
    assert.deepEqual(concat(units.map((u) => u.data)), file.subarray(id3Length(file)));
    assert.equal(framer.channels, 2);
    assert.ok(framer.bitrateKbps >= 32 && framer.bitrateKbps <= 320);
  });

  it('handles MPEG-2 and MPEG-2.5 Layer III (576 samples per frame) and Layer II', () => {
    const cases: Array<[string, string[], number, number, number]> = [
      ['lsf.mp3', ['-ar', '22050', '-c:a', 'libmp3lame', '-b:a', '32k'], 22050, 2, 576],
      ['m25.mp3', ['-ar', '8000', '-c:a', 'libmp3lame', '-b:a', '16k'], 8000, 2.5, 576],
      ['l2.mp2', ['-c:a', 'mp2', '-b:a', '192k', '-f', 'mp2'], 44100, 1, 1152],
    ];
    for (const [name, args, rate, version, samples] of cases) {
      const file = ffmpeg(name, args);
      const { units, framer } = feed(file);
      assert.deepEqual(concat(units.map((u) => u.data)), file.subarray(id3Length(file)), name);
      assert.equal(framer.sampleRateHz, rate, name);
      assert.equal(framer.mpegVersion, version, name);
      const total = units.reduce((n, u) => n + u.durationUs, 0);
      assert.equal(total, Math.floor((units.length * samples * 1e6) / rate), name);
    }
  });
});

describe('Mp3Framer tags', () => {
  it('skips an ID3v2.4 tag with a footer, and a large one (cover art) without calling it garbage', () => {
    const body = new Uint8Array(300);
    const withFooter = concat([Uint8Array.of(0x49, 0x44, 0x33, 4, 0, 0x10, 0, 0, 2, 0x2c), body, ascii('3DI'), new Uint8Array(7)]);
    const frames = [frame(1), frame(2), frame(3)];
    assert.deepEqual(feed(concat([withFooter, ...frames])).units.map((u) => u.data), frames);
    const size = 200_000;
    const big = concat([Uint8Array.of(0x49, 0x44, 0x33, 3, 0, 0, (size >> 21) & 0x7f, (size >> 14) & 0x7f, (size >> 7) & 0x7f, size & 0x7f), new Uint8Array(size).fill(0xff)]);
    assert.deepEqual(feed(concat([big, ...frames]), [5, 1000, 150_000]).units.map((u) => u.data), frames);
  });

  it('skips ID3v1, Enhanced ID3v1 and APEv2 tags between frames (concatenated files)', () => {
    const id3v1 = concat([ascii('TAG'), new Uint8Array(125).fill(0xff)]);
    const enhanced = concat([ascii('TAG+'), new Uint8Array(223).fill(0xff)]);
    const apeItems = new Uint8Array(40).fill(0xff);
    const apeHeader = concat([ascii('APETAGEX'), Uint8Array.of(0xd0, 0x07, 0, 0, 72, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xa0), new Uint8Array(8)]);
    const apeFooter = concat([ascii('APETAGEX'), Uint8Array.of(0xd0, 0x07, 0, 0, 72, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80), new Uint8Array(8)]);
    const frames = [frame(1), frame(2), frame(3), frame(4), frame(5), frame(6)];
    const stream = concat([frames[0], frames[1], id3v1, frames[2], enhanced, id3v1, frames[3], apeHeader, apeItems, apeFooter, frames[4], frames[5]] as Uint8Array[]);
    const { units } = feed(stream);
    assert.deepEqual(units.map((u) => u.data), frames);
  });
});

describe('Mp3Framer sync', () => {
  it('does not trust a frame header until the next header confirms it (false sync)', () => {
    const fake = new Uint8Array(600).fill(0x11);
    fake.set([0xff, 0xfb, 0x90, 0x00], 3); // plausible header, but 417 bytes later there is no header
    const frames = [frame(1), frame(2, true), frame(3)];
    const { units } = feed(concat([fake, ...frames]));
    assert.deepEqual(units.map((u) => u.data), frames);
  });

  it('loses sync on garbage mid-stream and finds it again', () => {
    const frames = Array.from({ length: 6 }, (_, i) => frame(i + 1));
    const junk = Uint8Array.from({ length: 999 }, (_, i) => (i % 7 === 0 ? 0xff : i & 0x7f));
    const { units } = feed(concat([frames[0], frames[1], frames[2], junk, frames[3], frames[4], frames[5]] as Uint8Array[]));
    assert.deepEqual(units.map((u) => u.data), frames);
  });

  it('re-confirms when the sample rate changes mid-stream', () => {
    const at48 = (fill: number): Uint8Array => {
      const f = new Uint8Array(384).fill(fill); // 128 kbps at 48 kHz
      f.set([0xff, 0xfb, 0x94, 0x00]);
      return f;
    };
    const frames = [frame(1), frame(2), at48(3), at48(4), at48(5)];
    const { units, framer } = feed(concat(frames));
    assert.deepEqual(units.map((u) => u.data), frames);
    assert.equal(framer.sampleRateHz, 48000);
    assert.deepEqual(units.map((u) => u.durationUs), [26122, 26122, 24000, 24000, 24000]);
  });

  it(`throws SOURCE_BAD_AUDIO after ${MP3_MAX_GARBAGE_BYTES} bytes without a frame, hinting at Ogg`, () => {
    const ogg = concat([ascii('OggS'), new Uint8Array(MP3_MAX_GARBAGE_BYTES)]);
    throwsCode(() => feed(ogg, [100, 5000]), 'SOURCE_BAD_AUDIO', /no valid MPEG audio frame in \d+ bytes .*0xFFE.*looks like Ogg: declare Content-Type application\/ogg/);
    throwsCode(() => {
      const framer = new Mp3Framer();
      for (let i = 0; i < 1000; i++) framer.push(new Uint8Array(100).fill(0xff));
    }, 'SOURCE_BAD_AUDIO');
  });

  it('resets the garbage count at each frame', () => {
    const junk = new Uint8Array(MP3_MAX_GARBAGE_BYTES - 1000).fill(0x01);
    const { units } = feed(concat([junk, frame(1), frame(2), junk, frame(3), frame(4)]));
    assert.equal(units.length, 4);
  });

  it('never throws anything but AircheckError, and never hangs, on random or mutated bytes', () => {
    const base = short();
    fc.assert(fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 5000, size: 'max' }),
        fc.array(fc.constantFrom(0xff, 0xfb, 0x90, 0x00, 0x49, 0x44, 0x33, 0x54, 0x41, 0x47), { maxLength: 3000, size: 'max' }).map((a) => Uint8Array.from(a)),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 30, size: 'max' }).map((edits) => {
          const copy = base.slice();
          for (const [at, v] of edits) copy[at] = v;
          return copy;
        }),
      ),
      fc.array(fc.nat(5000), { maxLength: 8 }),
      (bytes, cuts) => {
        const started = performance.now();
        try {
          feed(bytes, cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b));
        } catch (e) {
          assert.ok(e instanceof AircheckError, String(e));
        }
        assert.ok(performance.now() - started < 1000);
      }), { numRuns: 1000 });
  });
});
