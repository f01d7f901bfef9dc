import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commentTagsFromOggHeaderPage, nominalFromMp3Frame, nominalFromOggHeaderPage } from './nominal-audio.ts';
import { writeOggPage } from '../../../../shared/src/ogg/ogg-page.ts';
import { writeVorbisComment } from '../../../../shared/src/ogg/codec-headers.ts';
import { infoFrameLayout, writeInfoFrame } from '../../../../shared/src/mp3/mp3-info-frame.ts';

/** An MPEG-1 Layer III frame: 128 kbps (index 9), 44.1 kHz, no padding, `mode` in the channel bits. */
function mp3Frame(mode: 'stereo' | 'mono' = 'stereo'): Uint8Array {
  const frame = new Uint8Array(417); // 144 000 × 128 / 44 100
  frame.set([0xff, 0xfb, 0x90, mode === 'mono' ? 0xc0 : 0x00]);
  return frame;
}

/** A Vorbis identification header (Vorbis I spec §4.2.2) on a BOS page. */
function vorbisIdPage(channels: number, rateHz: number, nominalBps: number): Uint8Array {
  const id = new Uint8Array(30);
  id.set([0x01, ...Buffer.from('vorbis')]);
  const view = new DataView(id.buffer);
  id[11] = channels;
  view.setUint32(12, rateHz, true);
  view.setInt32(16, 0, true);
  view.setInt32(20, nominalBps, true);
  view.setInt32(24, 0, true);
  id[28] = 0xb8; // blocksizes 256 / 2048
  id[29] = 1;
  return writeOggPage({ serial: 7, sequence: 0, granulePosition: 0n, packets: [id], bos: true });
}

describe('nominal audio facts from a stream\'s own headers', () => {
  it('reads bitrate, rate and channels from an MP3 frame header', () => {
    assert.deepEqual(nominalFromMp3Frame(mp3Frame()), { subtype: null, bitrateBps: 128_000, channels: 2, sampleRateHz: 44_100 });
    assert.equal(nominalFromMp3Frame(mp3Frame('mono'))?.channels, 1);
  });

  it('skips an MP3 Info frame and bytes that are not a frame', () => {
    const { bitrateIndex, frameBytes } = infoFrameLayout(44_100, 2, 128);
    const info = writeInfoFrame({
      firstFrameHeader: mp3Frame().subarray(0, 4), bitrateIndex, frameBytes, frames: 10, streamBytes: 10 * 417 + frameBytes,
      encoderDelaySamples: 576, paddingSamples: 0, musicCrc16: 0, encoderVersion: 'LAME3.100', bitrateKbps: 128,
    });
    assert.equal(nominalFromMp3Frame(info), null);
    assert.equal(nominalFromMp3Frame(new Uint8Array(417)), null);
  });

  it('reads the Vorbis identification header: nominal bitrate, channels, rate, codec', () => {
    assert.deepEqual(nominalFromOggHeaderPage(vorbisIdPage(2, 44_100, 128_000)), { subtype: 'Vorbis', bitrateBps: 128_000, channels: 2, sampleRateHz: 44_100 });
    assert.equal(nominalFromOggHeaderPage(vorbisIdPage(1, 48_000, 0))?.bitrateBps, null, 'bitrate_nominal 0 is unset');
    assert.equal(nominalFromOggHeaderPage(vorbisIdPage(1, 48_000, -1))?.bitrateBps, null, 'negative is unset');
  });

  it('names Opus streams and gives up on anything else', () => {
    const head = new Uint8Array(19);
    head.set([...Buffer.from('OpusHead'), 1, 2]);
    assert.deepEqual(nominalFromOggHeaderPage(writeOggPage({ serial: 1, sequence: 0, granulePosition: 0n, packets: [head], bos: true })), {
      subtype: 'Opus', bitrateBps: null, channels: null, sampleRateHz: null,
    });
    assert.equal(nominalFromOggHeaderPage(new Uint8Array(50)), null);
    assert.equal(nominalFromOggHeaderPage(writeOggPage({ serial: 1, sequence: 3, granulePosition: 960n, packets: [new Uint8Array(20)] })), null);
  });

  it('keeps TITLE and ARTIST apart, whatever their case', () => {
    const comment = writeVorbisComment({ vendor: 'test', comments: [{ key: 'artist', value: 'The Artist' }, { key: 'TITLE', value: 'The Title' }], trailing: new Uint8Array(0) });
    const page = writeOggPage({ serial: 7, sequence: 1, granulePosition: 0n, packets: [comment] });
    assert.deepEqual(commentTagsFromOggHeaderPage(page), { title: 'The Title', artist: 'The Artist' });
    assert.equal(commentTagsFromOggHeaderPage(vorbisIdPage(2, 44_100, 128_000)), null);
  });
});
