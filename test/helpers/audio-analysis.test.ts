// Proves the analysis helpers the integration tests rely on: synthetic sines, then real encoded
// tones from tones.ts (MP3, Opus, Vorbis, WAV), cut streams and an A–B–A sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  decodeAudio,
  dominantFrequencyHz,
  durationSeconds,
  frequencyTimeline,
  probeDurationSeconds,
  toneSegments,
} from './audio-analysis.ts';
import { toneFile, toneSequenceFile } from './tones.ts';

function sine(frequencyHz: number, durationS: number, sampleRateHz: number, amplitude = 0.125): Float32Array {
  const out = new Float32Array(Math.round(durationS * sampleRateHz));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRateHz);
  return out;
}

function near(actual: number | null, expected: number, toleranceHz: number): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= toleranceHz, `expected ${expected} ± ${toleranceHz} Hz, got ${actual}`);
}

test('dominantFrequencyHz finds a synthetic sine to within half a hertz', () => {
  for (const hz of [100, 440.5, 997, 3150]) near(dominantFrequencyHz(sine(hz, 1, 22050), 22050), hz, 0.5);
  near(dominantFrequencyHz(sine(440, 0.05, 22050), 22050), 440, 3); // 50 ms is still enough
});

test('silence has no dominant frequency', () => {
  assert.equal(dominantFrequencyHz(new Float32Array(22050), 22050), null);
});

test('each generated format decodes to its tone and duration', async () => {
  const cases = [
    { format: 'mp3', hz: 440 },
    { format: 'ogg-opus', hz: 1000 },
    { format: 'ogg-vorbis', hz: 660 },
    { format: 'wav', hz: 523 },
  ] as const;
  await Promise.all(
    cases.map(async ({ format, hz }) => {
      const path = await toneFile(format, hz, 2);
      const { samples, sampleRateHz } = await decodeAudio(path);
      near(dominantFrequencyHz(samples, sampleRateHz), hz, 1);
      const seconds = durationSeconds(samples, sampleRateHz);
      assert.ok(Math.abs(seconds - 2) < 0.1, `${format}: decoded ${seconds} s, expected 2 s`);
      assert.ok(Math.abs((await probeDurationSeconds(path)) - 2) < 0.1, `${format}: ffprobe duration`);
    }),
  );
});

test('tones are cached per format, frequency and duration', async () => {
  assert.equal(await toneFile('mp3', 440, 2), await toneFile('mp3', 440, 2));
  assert.notEqual(await toneFile('mp3', 440, 2), await toneFile('mp3', 441, 2));
});

test('an MP3 stream joined mid-way and cut off at the end still decodes to its tone', async () => {
  const bytes = await readFile(await toneFile('mp3', 440, 2));
  const cut = new Uint8Array(bytes.subarray(1234, bytes.length - 777));
  const { samples, sampleRateHz } = await decodeAudio(cut, { inputFormat: 'mp3' });
  near(dominantFrequencyHz(samples, sampleRateHz), 440, 1);
  assert.ok(durationSeconds(samples, sampleRateHz) > 1.7);
});

test('an Ogg Opus stream cut off mid-page decodes from the bytes it has', async () => {
  const bytes = await readFile(await toneFile('ogg-opus', 1000, 2));
  const { samples, sampleRateHz } = await decodeAudio(new Uint8Array(bytes.subarray(0, Math.floor(bytes.length * 0.6))));
  near(dominantFrequencyHz(samples, sampleRateHz), 1000, 1);
});

test('frequencyTimeline and toneSegments see tone A, then B, then A again', async () => {
  const path = await toneSequenceFile('mp3', [
    { frequencyHz: 440, durationS: 1 },
    { frequencyHz: 880, durationS: 1 },
    { frequencyHz: 440, durationS: 1 },
  ]);
  const { samples, sampleRateHz } = await decodeAudio(path);
  const timeline = frequencyTimeline(samples, sampleRateHz, 100);
  assert.ok(timeline.length >= 29);
  const segments = toneSegments(timeline, { minDurationS: 0.3 });
  assert.deepEqual(
    segments.map((s) => Math.round(s.frequencyHz ?? 0)),
    [440, 880, 440],
    JSON.stringify(segments),
  );
  assert.ok(Math.abs(segments[1]!.startS - 1) <= 0.15, `B starts at ${segments[1]!.startS} s`);
});

test('frequencyTimeline refuses windows too short to measure', () => {
  assert.throws(() => frequencyTimeline(new Float32Array(1000), 22050, 1), /too short/);
});
