// The waveform: peaks of known audio (ffmpeg's sine at amplitude 1/8, upmixed to stereo at −3 dB:
// 0.0884) decoded from each format a recording can have, a silent stretch reading ~0 where it is; the
// finalizer writes and stores it, and a waveform that cannot be made never fails the recording.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toneSequenceFile } from '../../../test/helpers/tones.ts';
import { fakeClock, showRecorder, silentLog } from '../catalog/recording-fixture.ts';
import { readManifest } from '../show-manifest.ts';
import { LocalRecordingStore } from '../store/local-store.ts';
import { waveformKey } from '../store/recording-key.ts';
import { finalizeShow, recordingKeyOf } from './finalize-show.ts';
import { PeakMeter, WAVEFORM_FILE, computeWaveform } from './waveform.ts';
import { computeWaveformOffThread } from './waveform-worker.ts';

const TONE_PEAK = 0.125 / Math.SQRT2;

describe('PeakMeter', () => {
  it('keeps the largest absolute sample of any channel per tenth of a second, rounded to 3 decimals', () => {
    const meter = new PeakMeter(10);
    const left = new Float32Array(4800 * 3);
    const right = new Float32Array(4800 * 3);
    left[100] = 0.5;
    right[4800 + 7] = -0.75;
    left[9600 + 4799] = 0.12345;
    // Pushed in uneven blocks: buckets do not depend on them.
    meter.push([left.subarray(0, 1000), right.subarray(0, 1000)], 1000, 48000);
    meter.push([left.subarray(1000), right.subarray(1000)], left.length - 1000, 48000);
    const w = meter.finish();
    assert.deepEqual(w.peaks, [0.5, 0.75, 0.123]);
    assert.equal(w.durationMs, 300);
    assert.equal(w.sampleRateHz, 48000);
  });

  it('closes a short last bucket, caps overshoot at 1, and follows a change of sample rate', () => {
    const meter = new PeakMeter(10);
    meter.push([new Float32Array(4410).fill(1.2)], 4410, 44100);
    meter.push([new Float32Array(100).fill(0.25)], 100, 48000);
    assert.deepEqual(meter.finish().peaks, [1, 0.25]);
  });
});

describe('computeWaveform', () => {
  for (const format of ['ogg-opus', 'mp3', 'ogg-vorbis'] as const) {
    it(`draws a ${format} recording: flat at the tone's level, ~0 in its silent second`, async () => {
      const file = await toneSequenceFile(format, [{ frequencyHz: 440, durationS: 2 }, { frequencyHz: 0, durationS: 1 }, { frequencyHz: 440, durationS: 2 }]);
      const w = await computeWaveformOffThread(file, format);
      assert.equal(w.peaksPerSecond, 10);
      assert.ok(Math.abs(w.peaks.length - 50) <= 2, `5 s → ~50 peaks, got ${w.peaks.length}`);
      // Codec ramps at the edges aside: 0.2–1.8 s and 3.2–4.8 s are tone, 2.2–2.8 s silence (MP3's decoder delay shifts ≤ 0.03 s).
      for (const i of [...range(2, 18), ...range(32, 48)]) assert.ok(Math.abs(w.peaks[i]! - TONE_PEAK) < 0.01, `peak ${i} = ${w.peaks[i]}, the tone is ${TONE_PEAK.toFixed(3)}`);
      for (const i of range(22, 28)) assert.ok(w.peaks[i]! < 0.005, `peak ${i} = ${w.peaks[i]} in the silence`);
    });
  }

  it('refuses a format it cannot decode', async () => {
    await assert.rejects(computeWaveform('/dev/null', 'aac'), /no decoder for a aac recording/);
  });
});

describe('finalize and the waveform', () => {
  it('writes waveform.json beside the manifest and stores it beside the recording', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-waveform-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const store = new LocalRecordingStore({ rootDir: join(dir, 'data'), log: silentLog });
    const rec = showRecorder({ spoolDir: join(dir, 'spool'), store, clock: fakeClock('2026-12-01T18:00:00Z') });
    const id = await rec.record({ dj: 'nina', at: '2026-12-01T18:00:00Z', seconds: 2 });
    rec.recorder.close();
    const m = await readManifest(join(dir, 'spool', id));
    assert.equal(m.status, 'verified');
    const stored = JSON.parse(await store.openRead(waveformKey(recordingKeyOf(m, store.keyPrefix))).then(async (s) => {
      let text = '';
      for await (const c of s as AsyncIterable<Buffer>) text += c.toString();
      return text;
    })) as { peaks: number[] };
    assert.ok(Math.abs(stored.peaks.length - 20) <= 1);
    assert.ok(existsSync(join(dir, 'spool', id, WAVEFORM_FILE)));
  });

  it('a waveform that cannot be made leaves the recording verified and its rendition made, without a waveform', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-waveform-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rec = showRecorder({ spoolDir: join(dir, 'spool'), store: null, clock: fakeClock('2026-12-01T18:00:00Z') });
    const id = await rec.record({ dj: 'nina', at: '2026-12-01T18:00:00Z', seconds: 1 });
    rec.recorder.close();
    const showDir = join(dir, 'spool', id);
    rmSync(join(showDir, WAVEFORM_FILE));
    const store = new LocalRecordingStore({ rootDir: join(dir, 'data'), log: silentLog });
    const m = await finalizeShow(showDir, await readManifest(showDir), {
      store, log: silentLog, mp3BitrateKbps: 64, computeWaveform: () => Promise.reject(new Error('decoder exploded')),
    });
    assert.equal(m.status, 'verified');
    assert.ok(m.rendition?.storeLocation, 'and finalizing went on: the MP3 rendition is made and stored');
    assert.ok(!existsSync(join(showDir, WAVEFORM_FILE)));
    assert.deepEqual((await store.listKeys('recordings/')).filter((k) => k.endsWith('.waveform.json')), []);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
