// Opus → MP3 (the recording's MP3 rendition) against real audio: Opus
// packets from ffmpeg's libopus (an Ogg Opus tone, split into packets by our own Ogg code) in, MP3
// out, decoded again by ffmpeg and measured.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isAircheckError } from '../errors.ts';
import { isOpusHead, isOpusTags, parseOpusHead } from '../ogg/codec-headers.ts';
import type { OpusHead } from '../ogg/codec-headers.ts';
import { OggPacketAssembler, parseOggPage } from '../ogg/ogg-page.ts';
import { decodeAudio, dominantFrequencyHz } from '../../../test/helpers/audio-analysis.ts';
import { toneDir, toneFile } from '../../../test/helpers/tones.ts';
import type { AudioUnit } from '../audio-unit.ts';
import { mpegFrameLength } from './mp3-framer.ts';
import { OpusToMp3 } from './opus-to-mp3.ts';
import type { OpusToMp3Options } from './opus-to-mp3.ts';

/** The OpusHead and the audio packets of an Ogg Opus file. */
function opusPackets(path: string): { head: OpusHead; packets: Uint8Array[] } {
  const bytes = new Uint8Array(readFileSync(path));
  const assembler = new OggPacketAssembler();
  const all: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const parsed = parseOggPage(bytes, offset);
    assert.ok(parsed, `complete Ogg page at ${offset}`);
    for (const packet of assembler.push(parsed.page)) all.push(packet.data);
    offset = parsed.nextOffset;
  }
  assert.ok(isOpusHead(all[0]!) && isOpusTags(all[1]!));
  return { head: parseOpusHead(all[0]!), packets: all.slice(2) };
}

async function monoOpusTone(frequencyHz: number, durationS: number): Promise<string> {
  const path = join(toneDir(), `opus-to-mp3-mono-${frequencyHz}hz-${durationS}s.opus`);
  await promisify(execFile)('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
    '-i', `sine=frequency=${frequencyHz}:duration=${durationS}:sample_rate=48000`,
    '-ac', '1', '-c:a', 'libopus', '-b:a', '64k', '-f', 'ogg', path]);
  return path;
}

interface Run {
  units: AudioUnit[];
  mp3: Uint8Array;
  maxUnitsPerPush: number;
  cpuMs: number;
  wallMs: number;
  companion: OpusToMp3;
}

async function runCompanion(path: string, options: Partial<OpusToMp3Options> = {}): Promise<Run> {
  const { head, packets } = opusPackets(path);
  const companion = await OpusToMp3.create({ channels: head.channels as 1 | 2, preSkipSamples: head.preSkip, ...options });
  const units: AudioUnit[] = [];
  let maxUnitsPerPush = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (const packet of packets) {
    const out = companion.push(packet);
    maxUnitsPerPush = Math.max(maxUnitsPerPush, out.length);
    units.push(...out);
  }
  units.push(...companion.flush());
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  companion.close();
  const mp3 = new Uint8Array(units.reduce((n, u) => n + u.data.length, 0));
  let at = 0;
  for (const u of units) {
    mp3.set(u.data, at);
    at += u.data.length;
  }
  return { units, mp3, maxUnitsPerPush, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, companion };
}

/** Seconds between the first and last sample louder than a third of the peak: the tone itself, without codec delay and padding. */
function toneSpanSeconds(pcm: Float32Array, sampleRateHz: number): number {
  let peak = 0;
  for (const x of pcm) peak = Math.max(peak, Math.abs(x));
  let first = -1;
  let last = -1;
  for (let i = 0; i < pcm.length; i++) {
    if (Math.abs(pcm[i]!) > peak / 3) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return (last - first + 1) / sampleRateHz;
}

describe('OpusToMp3', () => {
  it('turns a 5 s 440 Hz stereo Opus tone into whole 128 kbps MP3 frames of the same tone and length', async () => {
    const run = await runCompanion(await toneFile('ogg-opus', 440, 5));
    // Every unit is one MPEG-1 Layer III frame: 128 kbps at 48 kHz is 384 bytes, 24 ms.
    for (const u of run.units) {
      assert.equal(mpegFrameLength(u.data, 0), u.data.length);
      assert.equal(u.data.length, 384);
      assert.equal(u.durationUs, 24_000);
      assert.ok(u.isSyncPoint && !u.isHeader);
    }
    assert.ok(run.maxUnitsPerPush <= 2, `streams: at most 2 frames per 20 ms packet, got ${run.maxUnitsPerPush}`);
    assert.equal(run.companion.stats.decodeErrors, 0);
    assert.equal(run.companion.stats.mp3Frames, run.units.length);

    const decoded = await decodeAudio(run.mp3, { inputFormat: 'mp3', sampleRateHz: 48_000 });
    const frequencyHz = dominantFrequencyHz(decoded.samples, 48_000);
    assert.ok(frequencyHz !== null && Math.abs(frequencyHz - 440) <= 5, `frequency ${frequencyHz} Hz`);
    const spanS = toneSpanSeconds(decoded.samples, 48_000);
    assert.ok(Math.abs(spanS - 5) <= 0.05, `tone lasts ${spanS.toFixed(3)} s`);
    const unitsS = run.units.reduce((s, u) => s + u.durationUs, 0) / 1e6;
    assert.ok(Math.abs(decoded.samples.length / 48_000 - unitsS) <= 0.05, `units say ${unitsS} s, decoded ${decoded.samples.length / 48_000} s`);
  });

  it('encodes mono Opus to mono MP3 at another rate and bitrate', async () => {
    const run = await runCompanion(await monoOpusTone(1000, 2), { bitrateKbps: 64, outputSampleRateHz: 44_100 });
    const first = run.units[0]!.data;
    assert.equal((first[3]! >> 6) & 3, 3, 'channel mode: mono');
    assert.equal((first[2]! >> 2) & 3, 0, 'sample rate index 0: 44.1 kHz');
    assert.equal(first[2]! >> 4, 5, 'bitrate index 5: 64 kbps');
    const decoded = await decodeAudio(run.mp3, { inputFormat: 'mp3', sampleRateHz: 44_100 });
    const frequencyHz = dominantFrequencyHz(decoded.samples, 44_100);
    assert.ok(frequencyHz !== null && Math.abs(frequencyHz - 1000) <= 5, `frequency ${frequencyHz} Hz`);
    const spanS = toneSpanSeconds(decoded.samples, 44_100);
    assert.ok(Math.abs(spanS - 2) <= 0.05, `tone lasts ${spanS.toFixed(3)} s`);
  });

  it('costs about a second of CPU per minute of stereo audio (printed)', async (t) => {
    const run = await runCompanion(await toneFile('ogg-opus', 1000, 60));
    const audioS = run.companion.stats.samples / 48_000;
    const cpuPerMinuteS = (run.cpuMs / 1000) * (60 / audioS);
    t.diagnostic(`Opus → MP3 (Opus decode + MP3 128k CBR encode, stereo): ${cpuPerMinuteS.toFixed(2)} s CPU per minute of audio ` +
      `(${run.cpuMs.toFixed(0)} ms CPU, ${run.wallMs.toFixed(0)} ms wall for ${audioS.toFixed(1)} s; ${(audioS * 1000 / run.wallMs).toFixed(0)}× real time)`);
    // FACTS: ≈ 0.18 s decode + ≈ 0.9 s encode. A generous bound: this only catches a gross regression.
    assert.ok(cpuPerMinuteS < 6, `${cpuPerMinuteS.toFixed(2)} s CPU per minute`);
    const decoded = await decodeAudio(run.mp3, { inputFormat: 'mp3', sampleRateHz: 48_000 });
    assert.ok(Math.abs(toneSpanSeconds(decoded.samples, 48_000) - 60) <= 0.05);
  });

  it('turns a packet libopus rejects into silence of its length and counts it', async () => {
    const companion = await OpusToMp3.create({ channels: 2 });
    const quiet = console.error;
    console.error = () => {}; // opus-decoder logs every libopus error itself
    try {
      // TOC 0xfb: CELT 20 ms, frame count code 3, which needs a count byte (RFC 6716 §3.2.5).
      for (let i = 0; i < 5; i++) companion.push(new Uint8Array([0xfb]));
      // Code 3 with a count of 63 frames (1.2 s): over the 120 ms a packet may carry.
      companion.push(new Uint8Array([0xfb, 0xff]));
    } finally {
      console.error = quiet;
    }
    const stats = companion.stats;
    assert.equal(stats.packets, 6);
    assert.equal(stats.decodeErrors, 6);
    assert.equal(stats.samples, 6 * 960, 'every packet still adds 20 ms');
    companion.close();
  });

  it('refuses impossible settings, oversized packets and use after close', async () => {
    await assert.rejects(OpusToMp3.create({ channels: 3 as 2 }), (err: unknown) => isAircheckError(err, 'STUDIO_CODEC_UNSUPPORTED'));
    await assert.rejects(OpusToMp3.create({ channels: 2, bitrateKbps: 100 as 96, outputSampleRateHz: 22_050 as 44_100 }),
      (err: unknown) => isAircheckError(err, 'CONFIG_INVALID') && /bitrate 100 kbps .*; sample rate 22050 Hz/.test(err.message));
    const companion = await OpusToMp3.create({ channels: 1 });
    assert.throws(() => companion.push(new Uint8Array(4000)), (err: unknown) => isAircheckError(err, 'STUDIO_MESSAGE_TOO_LARGE'));
    assert.throws(() => companion.push(new Uint8Array(0)), (err: unknown) => isAircheckError(err, 'STUDIO_MESSAGE_TOO_LARGE'));
    companion.close();
    companion.close();
    assert.throws(() => companion.push(new Uint8Array([0xfc])), /after close/);
  });
});
