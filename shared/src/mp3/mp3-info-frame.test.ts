// The Xing/Info + LAME tag frame: byte positions checked against the layout LAME writes, a round trip
// through the parser, the tag CRC (CRC-16/ARC), and a frame FFmpeg's libmp3lame muxer wrote.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { id3v2Size, mpegFrameInfo } from './mp3-framer.ts';
import { crc16Lame, infoFrameLayout, infoFrameMinBytes, parseInfoFrame, writeInfoFrame } from './mp3-info-frame.ts';
import type { InfoFrameSpec } from './mp3-info-frame.ts';

/** The header LAME gives a 128 kbps 48 kHz joint-stereo frame (wasm-media-encoders' first frame). */
const STEREO_HEADER = Uint8Array.of(0xff, 0xfb, 0x94, 0x64);
/** 64 kbps 48 kHz mono, padding bit set (the Info frame must clear it). */
const MONO_HEADER = Uint8Array.of(0xff, 0xfb, 0x56, 0xc4);

function spec(over: Partial<InfoFrameSpec> = {}): InfoFrameSpec {
  const layout = infoFrameLayout(48000, 2, 128);
  return {
    firstFrameHeader: STEREO_HEADER, ...layout, frames: 210, streamBytes: 384 + 210 * 384,
    encoderDelaySamples: 576, paddingSamples: 1344, musicCrc16: 0xbeef, encoderVersion: 'LAME3.100', bitrateKbps: 128,
    ...over,
  };
}

describe('crc16Lame', () => {
  it('is CRC-16/ARC: the check value of "123456789" is 0xBB3D, and it continues across pieces', () => {
    const bytes = new TextEncoder().encode('123456789');
    assert.equal(crc16Lame(bytes), 0xbb3d);
    assert.equal(crc16Lame(bytes.subarray(4), crc16Lame(bytes.subarray(0, 4))), 0xbb3d);
  });
});

describe('infoFrameLayout', () => {
  it('uses the stream bitrate when its frame holds the tag, else the smallest that does', () => {
    assert.equal(infoFrameMinBytes(1, 2), 192);
    assert.equal(infoFrameMinBytes(1, 1), 177);
    assert.deepEqual(infoFrameLayout(48000, 2, 128), { bitrateIndex: 9, frameBytes: 384 });
    assert.deepEqual(infoFrameLayout(48000, 2, 320), { bitrateIndex: 14, frameBytes: 960 });
    assert.deepEqual(infoFrameLayout(48000, 2, 32), { bitrateIndex: 5, frameBytes: 192 }, '32 kbps frames are 96 bytes: 64 kbps');
    assert.deepEqual(infoFrameLayout(48000, 1, 48), { bitrateIndex: 5, frameBytes: 192 });
    assert.deepEqual(infoFrameLayout(44100, 1, 48), { bitrateIndex: 4, frameBytes: 182 }, '44.1 kHz frames round down, unpadded');
    assert.throws(() => infoFrameLayout(48000, 2, 100), /not an MPEG-1 Layer III bitrate/);
  });
});

describe('writeInfoFrame', () => {
  it('puts every field where LAME does (MPEG-1 stereo: Info at 36, LAME tag at 156)', () => {
    const f = writeInfoFrame(spec());
    assert.equal(f.length, 384);
    assert.deepEqual([...f.subarray(0, 4)], [0xff, 0xfb, 0x94, 0x44], 'header: same rate and mode, no padding, mode extension 0');
    assert.equal(mpegFrameInfo(f, 0)?.lengthBytes, 384);
    assert.ok(f.subarray(4, 36).every((b) => b === 0), 'empty side information');
    assert.equal(Buffer.from(f.subarray(36, 40)).toString('latin1'), 'Info');
    const v = new DataView(f.buffer);
    assert.equal(v.getUint32(40), 0x0f, 'flags: frames, bytes, TOC, quality');
    assert.equal(v.getUint32(44), 210);
    assert.equal(v.getUint32(48), 384 + 210 * 384);
    assert.deepEqual([f[52], f[53], f[102], f[151]], [0, 2, 128, 253], 'linear TOC');
    assert.equal(Buffer.from(f.subarray(156, 165)).toString('latin1'), 'LAME3.100');
    assert.equal(f[165], 0x01, 'revision 0, CBR');
    assert.equal(f[176], 128, 'bitrate byte');
    // 576 = 0x240, 1344 = 0x540: 24 05 40.
    assert.deepEqual([f[177], f[178], f[179]], [0x24, 0x05, 0x40], 'delay and padding, 12 bits each');
    assert.equal(v.getUint32(184), 384 + 210 * 384, 'music length');
    assert.equal(v.getUint16(188), 0xbeef, 'music CRC');
    assert.equal(v.getUint16(190), crc16Lame(f.subarray(0, 190)), 'tag CRC over the first 190 bytes');
    assert.ok(f.subarray(192).every((b) => b === 0));
  });

  it('round-trips through parseInfoFrame, for mono too; a flipped byte breaks only the tag CRC', () => {
    const stereo = parseInfoFrame(writeInfoFrame(spec()));
    assert.deepEqual(stereo, {
      tag: 'Info', frames: 210, streamBytes: 384 + 210 * 384,
      lame: { encoderVersion: 'LAME3.100', encoderDelaySamples: 576, paddingSamples: 1344, musicLengthBytes: 384 + 210 * 384, musicCrc16: 0xbeef, tagCrcValid: true },
    });
    const monoLayout = infoFrameLayout(48000, 1, 64);
    const mono = writeInfoFrame(spec({ firstFrameHeader: MONO_HEADER, ...monoLayout, paddingSamples: 4095, encoderDelaySamples: 0 }));
    assert.equal(mono[2]! & 0x02, 0, 'padding bit cleared');
    assert.equal(Buffer.from(mono.subarray(21, 25)).toString('latin1'), 'Info', 'mono side information is 17 bytes');
    const parsed = parseInfoFrame(mono);
    assert.ok(typeof parsed !== 'string');
    assert.deepEqual([parsed.lame?.encoderDelaySamples, parsed.lame?.paddingSamples, parsed.lame?.tagCrcValid], [0, 4095, true]);
    const flipped = writeInfoFrame(spec());
    flipped[178] = flipped[178]! ^ 0x01;
    const broken = parseInfoFrame(flipped);
    assert.ok(typeof broken !== 'string' && broken.lame?.tagCrcValid === false);
  });

  it('refuses what the frame cannot carry', () => {
    assert.throws(() => writeInfoFrame(spec({ paddingSamples: 4096 })), /12 bits/);
    assert.throws(() => writeInfoFrame(spec({ encoderDelaySamples: -1 })), /12 bits/);
    assert.throws(() => writeInfoFrame(spec({ encoderVersion: 'LAME' })), /9 ASCII/);
    assert.throws(() => writeInfoFrame(spec({ firstFrameHeader: Uint8Array.of(0xff, 0xf3, 0x84, 0xc4) })), /MPEG-1 Layer III/);
    assert.throws(() => writeInfoFrame(spec({ frameBytes: 417 })), /does not give a 417-byte frame/);
  });
});

describe('parseInfoFrame', () => {
  it('reads the frame FFmpeg (libmp3lame) writes: frames, delay 576 and padding add up to the input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-info-frame-'));
    try {
      const path = join(dir, 'ff.mp3');
      execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1:sample_rate=48000',
        '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '128k', '-map_metadata', '-1', '-id3v2_version', '0', '-f', 'mp3', path]);
      const bytes = new Uint8Array(readFileSync(path));
      const at = Math.max(0, id3v2Size(bytes, 0));
      const frame = mpegFrameInfo(bytes, at);
      assert.ok(frame);
      const parsed = parseInfoFrame(bytes.subarray(at, at + frame.lengthBytes));
      assert.ok(typeof parsed !== 'string', String(parsed));
      assert.equal(parsed.tag, 'Info');
      assert.equal(parsed.streamBytes, bytes.length - at);
      assert.match(parsed.lame!.encoderVersion, /^(Lavc|LAME)/);
      assert.equal(parsed.lame!.encoderDelaySamples, 576);
      assert.equal(parsed.frames! * 1152 - 576 - parsed.lame!.paddingSamples, 48000);
      assert.equal(parsed.lame!.tagCrcValid, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives a reason for a frame without a Xing/Info header, or one cut short', () => {
    const plain = new Uint8Array(384);
    plain.set(STEREO_HEADER);
    assert.match(String(parseInfoFrame(plain)), /no Xing or Info header in the first frame \(bytes 36\.\.39 are 00 00 00 00\)/);
    const f = writeInfoFrame(spec());
    assert.match(String(parseInfoFrame(f.subarray(0, 100))), /needs 156 bytes, the frame has 100/);
    const layer2 = Uint8Array.of(0xff, 0xfd, 0x94, 0x64);
    assert.equal(parseInfoFrame(layer2), 'not a Layer III frame');
  });
});
