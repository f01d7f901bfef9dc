// The WebAssembly encoder (no system package) on its worker thread: MP3, Ogg Opus and Ogg Vorbis
// parents each decode once and come out as every MP3 rung, at the rung's bitrate and rate, with the
// tone intact (checked by decoding in ffmpeg).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AircheckError } from '../../../shared/src/errors.ts';
import { Mp3Framer } from '../../../shared/src/mp3/mp3-framer.ts';
import type { RungConfig } from '../../../config/src/config-schema.ts';
import { decodeAudio, dominantFrequencyHz } from '../../../test/helpers/audio-analysis.ts';
import { toneFile } from '../../../test/helpers/tones.ts';
import type { EncoderInput } from './encoder-backend.ts';
import { WasmLadder } from './wasm-ladder.ts';

const RUNGS: RungConfig[] = [
  { path: '/a.mp3', codec: 'mp3', bitrate_kbps: 128, channels: 2 },
  { path: '/b.mp3', codec: 'mp3', bitrate_kbps: 64, channels: 1, sample_rate_hz: 32000 },
];

function run(input: EncoderInput, bytes: Uint8Array): Promise<{ outputs: Uint8Array[]; error: AircheckError | null }> {
  return new Promise((resolve) => {
    const parts: Uint8Array[][] = RUNGS.map(() => []);
    const ladder = new WasmLadder(input, RUNGS, {
      output: (i, b) => parts[i]!.push(b),
      exited: (error) => resolve({ outputs: parts.map((p) => Buffer.concat(p)), error }),
    });
    for (let at = 0; at < bytes.length; at += 4096) ladder.write(bytes.slice(at, at + 4096));
    ladder.close();
  });
}

for (const [format, file] of [['mp3', 'mp3'], ['ogg-opus', 'ogg-opus'], ['ogg-vorbis', 'ogg-vorbis']] as const) {
  test(`a ${format} parent comes out as every MP3 rung with its tone, bitrate, rate and channels`, async () => {
    const bytes = readFileSync(await toneFile(file, 880, 3));
    const { outputs, error } = await run({ format }, bytes);
    assert.equal(error, null);
    for (const [i, r] of RUNGS.entries()) {
      const framer = new Mp3Framer();
      const units = framer.push(outputs[i]!);
      assert.equal(framer.bitrateKbps, r.bitrate_kbps, r.path);
      assert.equal(framer.sampleRateHz, r.sample_rate_hz ?? 44100, r.path);
      assert.equal(framer.channels, r.channels, r.path);
      const seconds = units.reduce((n, u) => n + u.durationUs, 0) / 1e6;
      assert.ok(seconds > 2.9 && seconds < 3.2, `${r.path}: ${seconds} s of audio from 3 s`);
      const { samples, sampleRateHz } = await decodeAudio(outputs[i]!, { inputFormat: 'mp3' });
      assert.equal(Math.round(dominantFrequencyHz(samples, sampleRateHz)! / 10) * 10, 880, r.path);
    }
  });
}
