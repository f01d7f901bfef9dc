import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MountSchema } from '../../../config/src/config-schema.ts';
import { chooseEncoder, type EngineProbe } from './engine.ts';
import { isAircheckError } from '../../../shared/src/errors.ts';

const probe = (encoders: string[] | null): EngineProbe => ({ ffmpegPath: 'ffmpeg', ffmpegEncoders: () => (encoders ? new Set(encoders) : null) });
const FULL = ['libmp3lame', 'aac', 'libopus', 'libvorbis'];
const mount = (rungs: [string, number][], engine: 'auto' | 'ffmpeg' | 'wasm' = 'auto') =>
  MountSchema.parse({ path: '/live', ladder_engine: engine, ladder: rungs.map(([codec, kbps], i) => ({ path: `/r${i}`, codec, bitrate_kbps: kbps })) });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isAircheckError(err, 'LADDER_CODEC_UNAVAILABLE'), String(err));
    return err.message;
  }
  assert.fail('not refused');
}

test('auto takes the system ffmpeg when it has every rung encoder, else WebAssembly for MP3-only ladders', () => {
  assert.equal(chooseEncoder(mount([['mp3', 128], ['aac', 96], ['opus', 64]]), probe(FULL)).engineName, 'ffmpeg');
  assert.equal(chooseEncoder(mount([['mp3', 128], ['mp3', 64]]), probe(null)).engineName, 'wasm', 'a fresh machine without ffmpeg');
  assert.equal(chooseEncoder(mount([['mp3', 128]]), probe(['aac'])).engineName, 'wasm', 'an ffmpeg without LAME');
  assert.equal(chooseEncoder(mount([['mp3', 128]], 'wasm'), probe(FULL)).engineName, 'wasm', 'forced');
});

test('a rung no engine can make is refused naming the rung, the codec, what is missing and how to get it', () => {
  const noFfmpeg = refusal(() => chooseEncoder(mount([['mp3', 128], ['aac', 96]]), probe(null)));
  assert.match(noFfmpeg, /ladder rung "\/r1" \(codec = "aac"\).*no ffmpeg|ffmpeg not found/);
  assert.match(noFfmpeg, /apt-get install ffmpeg/);
  const noLibopus = refusal(() => chooseEncoder(mount([['opus', 64]]), probe(['libmp3lame', 'aac'])));
  assert.match(noLibopus, /no libopus encoder/);
  const forcedFfmpeg = refusal(() => chooseEncoder(mount([['mp3', 128]], 'ffmpeg'), probe(null)));
  assert.match(forcedFfmpeg, /ladder_engine = "ffmpeg" but no ffmpeg runs/);
  const forcedWasm = refusal(() => chooseEncoder(mount([['vorbis', 96]], 'wasm'), probe(FULL)));
  assert.match(forcedWasm, /ladder_engine = "wasm" but WebAssembly encodes mp3 only/);
  const wasm56 = refusal(() => chooseEncoder(mount([['mp3', 56]]), probe(null)));
  assert.match(wasm56, /no 56 kbps CBR/);
});
