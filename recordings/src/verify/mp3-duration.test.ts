// The MP3 duration reader on golden bytes laid out by hand (offsets from LAME's VbrTag.c and the Info
// tag specification), and on deliberately broken heads: each gives a reason that names the problem.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc16Lame } from '../../../shared/src/mp3/mp3-info-frame.ts';
import { MP3_HEAD_READ_BYTES, mp3Duration, mp3HeadBytesNeeded } from './mp3-duration.ts';
import type { Mp3Duration } from './mp3-duration.ts';

/** An ID3v2.3 tag of `bodyBytes` (a TIT2 frame of 'A', then zero padding, which ID3v2.3 §3.0 allows). */
function id3(bodyBytes: number): Uint8Array {
  const tag = new Uint8Array(10 + bodyBytes);
  tag.set([0x49, 0x44, 0x33, 3, 0, 0, (bodyBytes >> 21) & 0x7f, (bodyBytes >> 14) & 0x7f, (bodyBytes >> 7) & 0x7f, bodyBytes & 0x7f]);
  tag.set([0x54, 0x49, 0x54, 0x32, 0, 0, 0, 2, 0, 0, 0x00, 0x41], 10);
  return tag;
}

interface Golden {
  /** 4 header bytes. */
  header: number[];
  /** Side information bytes (MPEG-1: 32 stereo, 17 mono; MPEG-2: 17 / 9). */
  sideInfo: number;
  tag?: string;
  flags?: number;
  frames?: number;
  bytes?: number;
  lame?: { version: string; delay: number; padding: number };
}

/** A Xing/Info frame written byte by byte, independent of the writer in shared/src/mp3/. */
function golden(g: Golden, frameBytes: number): Uint8Array {
  const f = new Uint8Array(frameBytes);
  f.set(g.header, 0);
  let at = 4 + g.sideInfo;
  for (const c of g.tag ?? 'Info') f[at++] = c.charCodeAt(0);
  const flags = g.flags ?? 0x0f;
  const v = new DataView(f.buffer);
  v.setUint32(at, flags);
  at += 4;
  if (flags & 1) { v.setUint32(at, g.frames ?? 0); at += 4; }
  if (flags & 2) { v.setUint32(at, g.bytes ?? 0); at += 4; }
  if (flags & 4) at += 100;
  if (flags & 8) at += 4;
  if (g.lame) {
    const lameAt = at;
    for (const c of g.lame.version) f[at++] = c.charCodeAt(0);
    f[lameAt + 9] = 0x01;
    f[lameAt + 21] = g.lame.delay >> 4;
    f[lameAt + 22] = ((g.lame.delay & 0xf) << 4) | (g.lame.padding >> 8);
    f[lameAt + 23] = g.lame.padding & 0xff;
    v.setUint16(lameAt + 34, crc16Lame(f.subarray(0, lameAt + 34)));
  }
  return f;
}

const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));
/** MPEG-1 Layer III, 128 kbps, 48 kHz, joint stereo: 384-byte frames. */
const STEREO_48K = [0xff, 0xfb, 0x94, 0x44];

describe('mp3Duration', () => {
  it('reads frames, delay and padding after an ID3v2 tag: 210 × 1152 − 576 − 1344 = 240000 samples', () => {
    const head = concat(id3(40), golden({ header: STEREO_48K, sideInfo: 32, frames: 210, bytes: 384 * 211, lame: { version: 'LAME3.100', delay: 576, padding: 1344 } }, 384));
    const d = mp3Duration(head) as Mp3Duration;
    assert.deepEqual(d, {
      id3v2Bytes: 50, sampleRateHz: 48000, channels: 2, samplesPerFrame: 1152, tag: 'Info', frames: 210, streamBytes: 384 * 211,
      encoder: 'LAME3.100', encoderDelaySamples: 576, paddingSamples: 1344, lameTagCrcValid: true,
      playableSamples: 240000, playableSamples48k: 240000,
    });
  });

  it('converts a 44.1 kHz mono file to 48 kHz samples', () => {
    // MPEG-1 Layer III, 64 kbps, 44.1 kHz, mono: 208-byte frames; 40 × 1152 − 576 − 1404 = 44100 (one second).
    const head = golden({ header: [0xff, 0xfb, 0x50, 0xc4], sideInfo: 17, frames: 40, lame: { version: 'Lavc59.37', delay: 576, padding: 1404 } }, 208);
    const d = mp3Duration(head) as Mp3Duration;
    assert.equal(d.channels, 1);
    assert.equal(d.playableSamples, 44100);
    assert.equal(d.playableSamples48k, 48000);
    assert.equal(d.encoder, 'Lavc59.37');
  });

  it('takes a VBR Xing header with only a frame count at face value (no LAME tag: no delay or padding)', () => {
    const d = mp3Duration(golden({ header: STEREO_48K, sideInfo: 32, tag: 'Xing', flags: 0x1, frames: 100 }, 384)) as Mp3Duration;
    assert.equal(d.tag, 'Xing');
    assert.equal(d.encoder, null);
    assert.equal(d.encoderDelaySamples, null);
    assert.equal(d.lameTagCrcValid, null);
    assert.equal(d.playableSamples48k, 115200);
  });

  it('reports a LAME tag whose CRC does not match, and still reads it (as FFmpeg does)', () => {
    const head = golden({ header: STEREO_48K, sideInfo: 32, frames: 10, lame: { version: 'LAME3.100', delay: 576, padding: 576 } }, 384);
    head[190] = head[190]! ^ 0xff;
    const d = mp3Duration(head) as Mp3Duration;
    assert.equal(d.lameTagCrcValid, false);
    assert.equal(d.playableSamples, 10 * 1152 - 1152);
  });

  it('names what is wrong with a head that is not a tagged MP3', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /^the file is empty$/],
      ['Ogg', Uint8Array.from(Buffer.from('OggS\0\x02 garbage garbage')), /no MPEG audio frame header at byte 0: found 4f 67 67 53/],
      ['garbage after a tag', concat(id3(20), new Uint8Array(100).fill(0x55)), /no MPEG audio frame header at byte 30, after the 30-byte ID3v2 tag: found 55 55 55 55/],
      ['ID3 header cut', Uint8Array.of(0x49, 0x44, 0x33, 3), /cut short inside its ID3v2 header/],
      ['tag larger than the read', id3(200).subarray(0, 100), /beyond the 100 bytes read \(read at least 4306\)/],
      ['first frame cut', golden({ header: STEREO_48K, sideInfo: 32, frames: 1 }, 384).subarray(0, 300), /the first frame \(384 bytes at byte 0\) is cut short: 300 bytes read/],
      ['audio frame first', concat(Uint8Array.from(STEREO_48K), new Uint8Array(380)), /no Xing or Info header in the first frame .*not in the head of the file/],
      ['Layer II', concat(Uint8Array.of(0xff, 0xfd, 0x94, 0x44), new Uint8Array(400)), /MPEG Layer 2: only Layer III/],
      ['no frame count', golden({ header: STEREO_48K, sideInfo: 32, flags: 0x2, bytes: 1000 }, 384), /no frame count \(flag 0x1 not set\)/],
      ['padding beyond the frames', golden({ header: STEREO_48K, sideInfo: 32, frames: 1, lame: { version: 'LAME3.100', delay: 576, padding: 4000 } }, 384), /counts 1 frames of 1152 samples, fewer than the encoder delay 576 and padding 4000/],
    ];
    for (const [name, head, reason] of cases) {
      const d = mp3Duration(head);
      assert.equal(typeof d, 'string', name);
      assert.match(d as string, reason, name);
    }
  });

  it('says how much of the head to read: the ID3v2 tag plus the largest frame', () => {
    assert.equal(mp3HeadBytesNeeded(Uint8Array.of(0xff, 0xfb, 0x94, 0x44)), 4096);
    assert.equal(mp3HeadBytesNeeded(id3(100_000).subarray(0, 10)), 100_010 + 4096);
    assert.ok(mp3HeadBytesNeeded(id3(1000)) < MP3_HEAD_READ_BYTES);
  });
});
