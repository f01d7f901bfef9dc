// show.opus → show.mp3 against real decoders: a recording muxed like the finalizer's (1 s pages, real
// libopus packets of a tone, a gap of Opus silence) is rendered, then FFmpeg decodes and probes the MP3:
// the tone, the sample-exact length and start, the duration FFmpeg takes from the Info frame, the tags.
// Broken inputs fail with REC_FINALIZE_FAILED naming the file and the problem.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { mpegFrameInfo } from '../../../shared/src/mp3/mp3-framer.ts';
import { OpusMuxer } from '../../../shared/src/ogg/opus-muxer.ts';
import { writeOggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { decodeAudio, dominantFrequencyHz, probeDurationSeconds, rms } from '../../../test/helpers/audio-analysis.ts';
import { opusTonePackets } from '../../../test/helpers/opus-packets.ts';
import { toneDir } from '../../../test/helpers/tones.ts';
import { crc32c, crc32cToBase64 } from '../verify/crc32c.ts';
import { MP3_HEAD_READ_BYTES, mp3Duration } from '../verify/mp3-duration.ts';
import type { Mp3Duration } from '../verify/mp3-duration.ts';
import { LAME_ENCODER_DELAY_SAMPLES, renderMp3 } from './mp3-rendition.ts';

const run = promisify(execFile);

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-mp3-rendition-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** RFC 6716: CELT fullband 20 ms, stereo, the silence flag (the packet concatenate.ts writes for gaps). */
const SILENCE_20MS = Uint8Array.of((31 << 3) | 0x04, 0xff, 0xfe);

/**
 * A recording as the finalizer writes it: one stream, 1 s pages, `toneS` seconds of a libopus tone
 * with `gapS` seconds of Opus silence after the first `gapAfterS`. Returns the last granule position.
 */
async function writeShow(path: string, frequencyHz: number, toneS: number, gap: { afterS: number; durationS: number }): Promise<{ lastGranule: number; preSkip: number }> {
  const source = await opusTonePackets(frequencyHz, toneS);
  const muxer = new OpusMuxer({ opusHead: source.head, pageDurationSamples: 48_000, vendor: 'Aircheck recorder' });
  const pages: Uint8Array[] = [...muxer.beginChain(4242, { artist: 'nina', title: 'test show' })];
  let samples = 0;
  let gapDone = false;
  for (const p of source.packets) {
    if (!gapDone && samples >= gap.afterS * 48_000) {
      for (let i = 0; i < gap.durationS * 50; i++) pages.push(...muxer.push(SILENCE_20MS, 960));
      gapDone = true;
    }
    pages.push(...muxer.push(p.data, p.durationSamples));
    samples += p.durationSamples;
  }
  pages.push(...muxer.endChain());
  writeFileSync(path, Buffer.concat(pages));
  return { lastGranule: Number(muxer.granulePosition), preSkip: muxer.preSkipSamples };
}

/** Index of the first sample louder than a third of the peak. */
function onset(pcm: Float32Array): number {
  let peak = 0;
  for (const x of pcm) peak = Math.max(peak, Math.abs(x));
  return pcm.findIndex((x) => Math.abs(x) > peak / 3);
}

async function probeTags(path: string): Promise<Record<string, string>> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format_tags=title,artist', '-of', 'json', path]);
  return (JSON.parse(stdout) as { format: { tags?: Record<string, string> } }).format.tags ?? {};
}

describe('renderMp3', () => {
  it('turns a 24 s stereo recording with a gap into a 128 kbps MP3 of the same tone, length and start', async (t) => {
    const dir = tempDir(t);
    const inPath = join(dir, 'show.opus');
    const outPath = join(dir, '.show.mp3.tmp');
    const { lastGranule, preSkip } = await writeShow(inPath, 440, 24, { afterS: 10, durationS: 1 });
    assert.ok(statSync(inPath).size > 256 * 1024, 'pages straddle the 256 KiB read chunks');

    const r = await renderMp3({ inPath, outPath, title: 'nina 2026-05-01T20:00:00Z', artist: 'nina' });
    const bytes = readFileSync(outPath);
    assert.equal(r.sizeBytes, bytes.length);
    assert.equal(r.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(r.crc32c, crc32cToBase64(crc32c(bytes)));
    assert.equal(r.durationSamples, lastGranule - preSkip, 'the Opus file\'s playable samples');
    assert.deepEqual([r.channels, r.bitrateKbps, r.decodeErrors, r.encoderDelaySamples], [2, 128, 0, LAME_ENCODER_DELAY_SAMPLES]);
    assert.equal(r.mp3Frames * 1152, LAME_ENCODER_DELAY_SAMPLES + r.durationSamples + r.paddingSamples);
    assert.equal(bytes.subarray(0, 3).toString('latin1'), 'ID3');

    // The head alone gives the duration.
    const head = mp3Duration(new Uint8Array(bytes.subarray(0, MP3_HEAD_READ_BYTES))) as Mp3Duration;
    assert.equal(typeof head, 'object', String(head));
    assert.deepEqual([head.tag, head.frames, head.playableSamples48k, head.encoder, head.lameTagCrcValid, head.streamBytes],
      ['Info', r.mp3Frames, r.durationSamples, 'LAME3.100', true, bytes.length - head.id3v2Bytes]);
    // Every audio frame is a 384-byte 128 kbps 48 kHz frame, right after the Info frame.
    const first = mpegFrameInfo(bytes, head.id3v2Bytes + 384);
    assert.deepEqual([first?.lengthBytes, first?.sampleRateHz, first?.channels], [384, 48_000, 2]);
    assert.equal(bytes.length, head.id3v2Bytes + 384 * (r.mp3Frames + 1));

    // FFmpeg honours the Info frame: exactly the Opus file's samples, starting where the Opus file's do.
    const [mp3, opus] = await Promise.all([decodeAudio(outPath, { sampleRateHz: 48_000 }), decodeAudio(inPath, { sampleRateHz: 48_000 })]);
    assert.equal(mp3.samples.length, r.durationSamples, 'decoded length');
    assert.equal(opus.samples.length, r.durationSamples);
    assert.ok(Math.abs(onset(mp3.samples) - onset(opus.samples)) <= 2, `tone starts at ${onset(mp3.samples)} (MP3) vs ${onset(opus.samples)} (Opus)`);
    const frequencyHz = dominantFrequencyHz(mp3.samples, 48_000);
    assert.ok(frequencyHz !== null && Math.abs(frequencyHz - 440) <= 5, `frequency ${frequencyHz} Hz`);
    const gapStart = Math.round(10.1 * 48_000) - preSkip;
    assert.ok(rms(mp3.samples, gapStart, gapStart + 0.8 * 48_000) < 0.005, 'the gap is silent');
    assert.ok(rms(mp3.samples, 5 * 48_000, 6 * 48_000) > 0.05, 'the tone is not');

    // ffprobe takes the duration from the Info frame's count (an estimate from the size and bitrate
    // would count the Info frame and the ID3 tag too), and shows the tags.
    const probedS = await probeDurationSeconds(outPath);
    assert.ok(Math.abs(probedS - (r.mp3Frames * 1152) / 48_000) < 0.0005, `ffprobe ${probedS} s, Info frame ${(r.mp3Frames * 1152) / 48_000} s`);
    assert.ok(Math.abs(probedS - r.durationSamples / 48_000) < 0.05, `ffprobe ${probedS} s, expected ${r.durationSamples / 48_000} s`);
    assert.deepEqual(await probeTags(outPath), { title: 'nina 2026-05-01T20:00:00Z', artist: 'nina' });
  });

  it('renders a mono, end-trimmed file from another muxer at 32 kbps, its Info frame at 64 kbps', async (t) => {
    const dir = tempDir(t);
    const inPath = join(toneDir(), 'rendition-mono-1000hz-2s.opus');
    await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=1000:duration=2:sample_rate=48000',
      '-ac', '1', '-c:a', 'libopus', '-b:a', '48k', '-f', 'ogg', inPath]);
    const outPath = join(dir, 'mono.mp3');
    const r = await renderMp3({ inPath, outPath, bitrateKbps: 32 });
    assert.equal(r.channels, 1);
    assert.equal(r.durationSamples, 96_000, 'FFmpeg trims its Opus file to 2 s by the last granule position; so does the MP3');
    const bytes = readFileSync(outPath);
    assert.notEqual(bytes.subarray(0, 3).toString('latin1'), 'ID3', 'no title or artist: no tag');
    assert.equal(bytes[2]! >> 4, 5, 'the Info frame is 64 kbps: a 32 kbps frame (96 bytes) cannot hold it');
    const audio = mpegFrameInfo(bytes, 192);
    assert.deepEqual([audio?.bitrateKbps, audio?.channels, audio?.lengthBytes], [32, 1, 96]);
    assert.equal((mp3Duration(new Uint8Array(bytes)) as Mp3Duration).playableSamples48k, 96_000);
    const decoded = await decodeAudio(outPath, { sampleRateHz: 48_000 });
    assert.equal(decoded.samples.length, 96_000);
    const frequencyHz = dominantFrequencyHz(decoded.samples, 48_000);
    assert.ok(frequencyHz !== null && Math.abs(frequencyHz - 1000) <= 5, `frequency ${frequencyHz} Hz`);
  });

  it('refuses input that is not a finalized Ogg Opus recording with REC_FINALIZE_FAILED, naming the file and the problem, and leaves no output', async (t) => {
    const dir = tempDir(t);
    const garbage = join(dir, 'garbage.opus');
    writeFileSync(garbage, randomBytes(100_000));
    const vorbis = join(dir, 'vorbis.ogg');
    writeFileSync(vorbis, writeOggPage({ serial: 1, sequence: 0, granulePosition: 0n, bos: true, packets: [Buffer.from('\x01vorbis\0\0\0\0\x02\x44\xac\0\0')] }));
    const truncated = join(dir, 'truncated.opus');
    await writeShow(truncated, 440, 2, { afterS: 0, durationS: 0 });
    writeFileSync(truncated, readFileSync(truncated).subarray(0, -100));
    const cases: [string, RegExp][] = [
      [garbage, /the bytes at 0 are not a valid Ogg page \(bad capture, RFC 3533 §6\)/],
      [vorbis, /the first packet is not an OpusHead/],
      [truncated, /ends with \d+ bytes at \d+ that are not a complete Ogg page: it is truncated/],
      [join(dir, 'missing.opus'), /cannot open it \(ENOENT\)/],
    ];
    for (const [inPath, problem] of cases) {
      await assert.rejects(renderMp3({ inPath, outPath: join(dir, 'out.mp3') }), (err: unknown) => {
        assert.ok(isAircheckError(err, 'REC_FINALIZE_FAILED'), `${inPath}: ${String(err)}`);
        assert.ok(err.message.includes(`"${inPath}"`), err.message);
        assert.match(err.message, problem);
        return true;
      });
      assert.ok(!existsSync(join(dir, 'out.mp3')), 'no partial output is left behind');
    }
  });
});
