// The ffmpeg encoder of the ladder (a system ffmpeg child process, as the tests' machines have):
// MP3, Ogg Opus and Ogg Vorbis parents — from their start, or joined mid-chain after the header pages
// as the ladder does when it restarts the encoder — come out as every rung (MP3, AAC, Opus, Vorbis)
// with the tone, the rung's rate and channels, and durations that add up.
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AircheckError } from '../../../shared/src/errors.ts';
import { OggFramer } from '../../../shared/src/ogg/ogg-framer.ts';
import type { RungConfig } from '../../../config/src/config-schema.ts';
import { decodeAudio, dominantFrequencyHz } from '../../../test/helpers/audio-analysis.ts';
import { toneFile } from '../../../test/helpers/tones.ts';
import type { EncoderInput } from './encoder-backend.ts';
import { FfmpegLadder, FfmpegStarter, ffmpegEncoders, ffmpegLadderArgs } from './ffmpeg-ladder.ts';
import { SPARE_DELAY_MS } from './encoder-backend.ts';
import { rungFramer } from './rung-format.ts';

const RUNGS: RungConfig[] = [
  { path: '/a.mp3', codec: 'mp3', bitrate_kbps: 64, channels: 1, sample_rate_hz: 32000 },
  { path: '/b.aac', codec: 'aac', bitrate_kbps: 96, channels: 2 },
  { path: '/c.opus', codec: 'opus', bitrate_kbps: 48, channels: 2 },
  { path: '/d.ogg', codec: 'vorbis', bitrate_kbps: 96, channels: 2 },
];
const DEMUXER: Record<RungConfig['codec'], string> = { mp3: 'mp3', aac: 'aac', opus: 'ogg', vorbis: 'ogg' };

function run(input: EncoderInput, bytes: Uint8Array, title = ''): Promise<{ outputs: Uint8Array[]; error: AircheckError | null }> {
  return new Promise((resolve) => {
    const parts: Uint8Array[][] = RUNGS.map(() => []);
    const ladder = new FfmpegLadder('ffmpeg', input, RUNGS, title, {
      output: (i, b) => parts[i]!.push(b),
      exited: (error) => resolve({ outputs: parts.map((p) => Buffer.concat(p)), error }),
    });
    for (let at = 0; at < bytes.length; at += 1600) ladder.write(bytes.subarray(at, at + 1600));
    ladder.close();
  });
}

test('ffmpegEncoders finds the four encoders of this machine\'s ffmpeg; none when it does not run', () => {
  assert.deepEqual([...ffmpegEncoders('ffmpeg')!].sort(), ['aac', 'libmp3lame', 'libopus', 'libvorbis']);
  assert.equal(ffmpegEncoders('/nonexistent/ffmpeg'), null);
});

test('the ffmpeg arguments: one output per rung on fd 3 + index; the title only in Ogg comment headers', () => {
  const args = ffmpegLadderArgs({ format: 'ogg-opus' }, RUNGS, 'A - B');
  assert.deepEqual(args.slice(args.indexOf('-i') - 2, args.indexOf('-i') + 2), ['-f', 'ogg', '-i', 'pipe:0']);
  assert.deepEqual(args.filter((a) => a.startsWith('pipe:')), ['pipe:0', 'pipe:3', 'pipe:4', 'pipe:5', 'pipe:6']);
  assert.equal(args.filter((a) => a === 'title=A - B').length, 2, 'Opus and Vorbis rungs');
});

for (const format of ['mp3', 'ogg-opus', 'ogg-vorbis'] as const) {
  for (const joined of ['from its start', 'mid-chain'] as const) {
    if (format === 'mp3' && joined === 'mid-chain') continue;
    test(`a ${format} parent ${joined} comes out as every rung with its tone, rate, channels and durations`, async () => {
      let bytes: Uint8Array = readFileSync(await toneFile(format, 660, 4));
      let expectS = 4;
      if (joined === 'mid-chain') {
        // Header pages, then audio pages from about 1 s in: what a restarted encoder gets.
        const pages = new OggFramer().push(bytes);
        const headers = pages.filter((p) => p.isHeader);
        const audio = pages.filter((p) => !p.isHeader);
        let skippedUs = 0;
        let from = 0;
        while (skippedUs < 1_000_000 && from < audio.length) skippedUs += audio[from++]!.durationUs;
        bytes = Buffer.concat([...headers, ...audio.slice(from)].map((p) => p.data));
        expectS = 4 - skippedUs / 1e6;
      }
      const { outputs, error } = await run({ format }, bytes);
      assert.equal(error, null);
      for (const [i, r] of RUNGS.entries()) {
        const framer = rungFramer(r) as ReturnType<typeof rungFramer> & { sampleRateHz?: number; channels?: number };
        const units = framer.push(outputs[i]!);
        if (r.codec === 'mp3' || r.codec === 'aac') {
          assert.equal(framer.sampleRateHz, r.sample_rate_hz ?? 44100, `${r.path}: rate`);
          assert.equal(framer.channels, r.channels, `${r.path}: channels`);
        }
        const seconds = units.reduce((n, u) => n + u.durationUs, 0) / 1e6;
        assert.ok(Math.abs(seconds - expectS) < 0.25, `${r.path}: ${seconds} s of audio from ${expectS} s`);
        const { samples, sampleRateHz } = await decodeAudio(outputs[i]!, { inputFormat: DEMUXER[r.codec] });
        assert.equal(Math.round(dominantFrequencyHz(samples, sampleRateHz)! / 10) * 10, 660, r.path);
      }
    });
  }
}

test('FfmpegStarter: the next stream\'s ffmpeg is started ahead and is the one used; other arguments or dispose() end the spare', async (t) => {
  /** This process's children now (libuv forks from the main thread). */
  const children = () => new Set(readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
  const starter = new FfmpegStarter('ffmpeg');
  // Whatever fails below, nothing is left running (a waiting ffmpeg would keep the test process alive).
  t.after(() => {
    starter.dispose();
    for (const pid of children()) process.kill(pid, 'SIGKILL');
  });
  const args = ffmpegLadderArgs({ format: 'mp3' }, RUNGS.slice(0, 1), '');
  const first = starter.start(args, 1);
  assert.equal(children().size, 1, 'no spare competes with the start it follows');
  await new Promise((r) => setTimeout(r, SPARE_DELAY_MS + 300));
  const waiting = children();
  assert.equal(waiting.size, 2, 'the stream\'s ffmpeg and a spare');
  const second = starter.start(args, 1);
  assert.ok(second.pid !== first.pid && waiting.has(second.pid!), 'the second stream got the spare, started before it was asked for');
  await new Promise((r) => setTimeout(r, SPARE_DELAY_MS + 300));
  const spareForSecond = [...children()].find((pid) => pid !== first.pid && pid !== second.pid)!;
  assert.ok(spareForSecond, 'a new spare waits');
  // Other arguments (another format): the waiting spare is killed, a process starts for them.
  const third = starter.start(ffmpegLadderArgs({ format: 'ogg-opus' }, RUNGS.slice(0, 1), ''), 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(!children().has(spareForSecond), 'the spare of other arguments is gone');
  assert.ok(!waiting.has(third.pid!));
  starter.dispose();
  for (const c of [first, second, third]) c.kill('SIGKILL');
  await Promise.all([first, second, third].map(exited));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(children().size, 0, 'dispose() ended the last spare');
});
