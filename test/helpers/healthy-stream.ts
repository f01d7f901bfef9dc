// A healthy source and listener beside what a test throws at the bridge (bad input, hostile clients):
// an ffmpeg MP3 tone source on /live and one listener, and at the end the proof that neither was
// disturbed: the same source stream, the same connection, audio in real time (no wait over maxGapMs,
// never more than deficitS of audio behind over any stretch), and the tone when decoded.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { waitForMount, type RunningBridge } from './bridge.ts';
import { assertOneConnection, connectListener, type ListenerHandle } from './listener.ts';
import { ffmpegSource, type PeerProcess } from './peers.ts';
import { decodeAudio, dominantFrequencyHz } from './audio-analysis.ts';

/** The ffmpeg source's MP3 bitrate, in bytes per second. */
const BYTES_PER_S = 128_000 / 8;

export interface HealthyStream {
  readonly listener: ListenerHandle;
  /** Asserts the source and the listener were never disturbed (see the file comment). */
  assertUndisturbed(t: TestContext, opts?: { maxGapMs?: number; deficitS?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startHealthyStream(bridge: RunningBridge, toneHz: number): Promise<HealthyStream> {
  const source: PeerProcess = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz });
  const { streamStart } = await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  const listener = await connectListener(bridge.url('/live'), { tap: true });
  await listener.waitForAudioBytes(40_000, 10_000);
  return {
    listener,
    async assertUndisturbed(t, opts = {}) {
      const maxGapMs = opts.maxGapMs ?? 1000;
      const deficitS = opts.deficitS ?? 0.5;
      assert.equal(bridge.proc.hasExited, false, `the bridge is still running; its output ends:\n${bridge.proc.tail(2000)}`);
      const live = await waitForMount(bridge, '/live', (m) => m.playing === 'source');
      assert.equal(live.streamStart, streamStart, 'the same source stream is still on /live');
      assertOneConnection(listener, maxGapMs);
      // After the burst the listener gets the source's bitrate in real time: over every stretch (from
      // any read to any later one, or to now) it received that stretch's audio, short by at most deficitS.
      const reads = listener.arrivals();
      const points = [...reads, { atMs: listener.sinceHeadMs(), totalBytes: reads.at(-1)!.totalBytes }];
      let lowest = Infinity;
      let lowestAtMs = 0;
      let worst = { deficit: 0, stretch: '' };
      for (const p of points) {
        const d = (p.atMs / 1000) * BYTES_PER_S - p.totalBytes;
        if (d < lowest) [lowest, lowestAtMs] = [d, p.atMs];
        if (d - lowest > worst.deficit) worst = { deficit: d - lowest, stretch: `${(lowestAtMs / 1000).toFixed(1)}–${(p.atMs / 1000).toFixed(1)} s` };
      }
      t.diagnostic(`healthy listener: ${reads.length} reads over ${(points.at(-1)!.atMs / 1000).toFixed(1)} s, worst deficit ${(worst.deficit / BYTES_PER_S).toFixed(2)} s of audio`);
      assert.ok(worst.deficit <= deficitS * BYTES_PER_S, `the healthy listener fell ${(worst.deficit / BYTES_PER_S).toFixed(2)} s of audio behind real time over ${worst.stretch} (at most ${deficitS} s allowed)`);
      const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: 'mp3' });
      const f = dominantFrequencyHz(samples, sampleRateHz);
      assert.ok(f !== null && Math.abs(f - toneHz) < 5, `the healthy listener heard ${f} Hz, not the ${toneHz} Hz tone`);
    },
    async stop() {
      listener.close();
      await source.stop('SIGKILL');
    },
  };
}
