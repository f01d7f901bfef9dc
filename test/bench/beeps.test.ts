// The glass-to-glass benchmark's pure parts: the WAV's beeps are found to the millisecond and named
// by pitch, and the pairing never folds a latency into the loop's period and never lets a lost beep pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BEEP_SPACING_S, BeepDetector, BeepPairingError, DETECTOR_OPTIONS, PITCHES, WAV_SAMPLE_RATE_HZ,
  beepFrequencyHz, beepOnsetSample, beepWav, pairBeeps, type BeepDetection, type BeepEvent,
} from './beeps.ts';

/** The WAV's left channel as floats. */
function wavSamples(): Float32Array {
  const wav = beepWav();
  const view = new DataView(wav.buffer, wav.byteOffset);
  const frames = (wav.length - 44) / 4;
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = view.getInt16(44 + i * 4, true) / 32768;
  return out;
}

function detectAll(samples: Float32Array, chunk: number, loops = 1): BeepDetection[] {
  const d = new BeepDetector({ ...DETECTOR_OPTIONS, sampleRateHz: WAV_SAMPLE_RATE_HZ });
  const found: BeepDetection[] = [];
  for (let l = 0; l < loops; l++) {
    for (let i = 0; i < samples.length; i += chunk) found.push(...d.push(samples.subarray(i, i + chunk)));
  }
  return found;
}

describe('beep WAV and detector', () => {
  it('finds every beep of the looped WAV within 2 ms of its onset, named by its pitch', () => {
    const samples = wavSamples();
    assert.equal(samples.length, Math.round(PITCHES * BEEP_SPACING_S * WAV_SAMPLE_RATE_HZ));
    for (const chunk of [128, 960]) {
      const found = detectAll(samples, chunk, 2);
      assert.equal(found.length, 2 * PITCHES, `chunk ${chunk}`);
      found.forEach((b, k) => {
        const index = k % PITCHES;
        assert.equal(b.index, index, `beep ${k}: ${beepFrequencyHz(index)} Hz`);
        const expected = beepOnsetSample(index) + Math.floor(k / PITCHES) * samples.length;
        assert.ok(b.onsetSample >= expected && b.onsetSample - expected <= (2 * WAV_SAMPLE_RATE_HZ) / 1000, `beep ${k} onset ${b.onsetSample}, expected ${expected}`);
        assert.ok(b.purity > 0.9, `beep ${k} purity ${b.purity}`);
      });
    }
  });

  it('names a loud sound that is none of the beeps −1, and ignores a beep already sounding when the stream starts', () => {
    const rate = WAV_SAMPLE_RATE_HZ;
    const samples = new Float32Array(rate).map((_, n) => 0.01 * Math.sin(n)); // a quiet bed
    // 0–50 ms: the tail of a 1000 Hz beep (no silence before it); 500 ms: a chord of two pitches.
    for (let n = 0; n < rate * 0.05; n++) samples[n] = 0.5 * Math.sin((2 * Math.PI * 1000 * n) / rate);
    const chordAt = rate / 2;
    for (let n = 0; n < rate * 0.08; n++) {
      samples[chordAt + n] = 0.3 * Math.sin((2 * Math.PI * 700 * n) / rate) + 0.3 * Math.sin((2 * Math.PI * 1900 * n) / rate);
    }
    const found = detectAll(samples, 128);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.index, -1);
    assert.ok(Math.abs(found[0]!.onsetSample - chordAt) <= rate / 1000);
  });

  it('hears a beep interrupted by a stall (exact zeros) once, when it began, with its pitch', () => {
    const rate = WAV_SAMPLE_RATE_HZ;
    const samples = new Float32Array(4 * rate);
    for (let n = 0; n < samples.length; n++) samples[n] = 0.01 * Math.sin(n); // a quiet bed, never exactly 0
    const beepAt = rate / 2;
    const stallAt = beepAt + rate * 0.01; // 10 ms into the 80 ms beep, 2 s of nothing
    const resumeAt = stallAt + 2 * rate;
    let k = 0;
    for (let n = beepAt; n < beepAt + rate * 0.09; n++, k++) {
      const at = n < stallAt ? n : n + (resumeAt - stallAt);
      samples[at] = 0.5 * Math.sin((2 * Math.PI * beepFrequencyHz(7) * k) / rate);
    }
    samples.fill(0, stallAt, resumeAt);
    const found = detectAll(samples, 128);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.index, 7);
    assert.ok(found[0]!.purity > 0.9, `purity ${found[0]!.purity}`);
    assert.ok(found[0]!.onsetSample - beepAt <= rate / 1000);
  });

  it('counts the silence at the end of the stream', () => {
    const d = new BeepDetector({ ...DETECTOR_OPTIONS, sampleRateHz: 48_000 });
    d.push(new Float32Array([0.9, 0.01, 0.01, 0.01, 0, 0]));
    assert.equal(d.quietSamples, 3, 'exact zeros (no audio) are not quiet');
    assert.equal(d.position, 6);
  });
});

describe('pairBeeps', () => {
  /** Beeps played from `first` on, one every spacing, starting at t0. */
  const played = (n: number, first = 5, t0 = 1_000_000): BeepEvent[] =>
    Array.from({ length: n }, (_, k) => ({ index: (first + k) % PITCHES, atMs: t0 + k * Math.round(BEEP_SPACING_S * 1000) }));
  const heard = (onsets: BeepEvent[], latencyMs: number): BeepEvent[] => onsets.map((o) => ({ index: o.index, atMs: o.atMs + latencyMs }));

  it('reports a latency longer than the WAV loop as it is (no folding into the period)', () => {
    const onsets = played(30);
    const loopMs = Math.round(PITCHES * BEEP_SPACING_S * 1000);
    for (const latencyMs of [90, 3100, loopMs + 250, 40_000]) {
      assert.deepEqual(pairBeeps(onsets, heard(onsets, latencyMs), 30, 'listener'), Array(30).fill(latencyMs));
    }
  });

  it('fails, naming the beep, when one is lost on the way', () => {
    const onsets = played(20);
    const arrivals = heard(onsets, 3100);
    arrivals.splice(7, 1);
    assert.throws(() => pairBeeps(onsets, arrivals, 20, 'listener'), (err: Error) =>
      err instanceof BeepPairingError && /listener: arrival 8 is beep #13 \(1900 Hz\) where beep #12 \(1800 Hz\), the 8th played, .* was lost/.test(err.message));
  });

  it('fails when the last beeps never arrive, and when a sound has no known pitch', () => {
    const onsets = played(20);
    assert.throws(() => pairBeeps(onsets, heard(onsets, 100).slice(0, 19), 20, 'player'), /player: beep #0 \(600 Hz\), the 20th played, .* never arrived \(19 of 20 beeps arrived\)/);
    const odd = heard(onsets, 100);
    odd[3] = { index: -1, atMs: odd[3]!.atMs };
    assert.throws(() => pairBeeps(onsets, odd, 20, 'player'), /none of the beeps/);
  });

  it('fails when the studio itself missed a beep, or a beep arrives before it was played', () => {
    const onsets = played(20);
    const gap = onsets.filter((_, k) => k !== 4);
    assert.throws(() => pairBeeps(gap, heard(gap, 100), 19, 'listener'), /studio's own detector saw beep #10 .* right after beep #8/);
    assert.throws(() => pairBeeps(onsets, heard(onsets, -5), 20, 'listener'), /arrived 5 ms before it was played/);
    assert.throws(() => pairBeeps(onsets.slice(0, 3), [], 20, 'listener'), /played 3 beeps, 20 were needed/);
  });
});
