// The glass-to-glass benchmark's beeps (pure): a schedule of beeps each with its own pitch, a
// detector that finds each beep's onset to the sample and names it by its pitch, and the pairing of
// every beep played with its own arrival — by order and checked by pitch, so a latency is never
// folded into a period and a lost beep is an error. Fed by glass-to-glass.ts (Node side, and the
// detector's source text goes into the pages' AudioWorklets); tested in beeps.test.ts.

/** Beeps in the fake microphone's WAV: one every BEEP_SPACING_S, each at its own pitch. */
export const BEEP_SPACING_S = 0.6;
export const BEEP_LENGTH_S = 0.08;
export const BEEP_AMPLITUDE = 0.5;
/**
 * A bed of white noise under the beeps (peak 0.02, −34 dBFS: far below the detector's threshold), so
 * the studio's VBR Opus stream keeps a realistic size between beeps. On digital silence it shrinks
 * to a few bytes per frame and Chromium's <audio> stalls (HAVE_CURRENT_DATA) until tens of KB arrive.
 */
export const NOISE_PEAK = 0.02;
/** Distinct pitches in one loop of the WAV (600, 700, … 2900 Hz): the WAV lasts PITCHES × spacing. */
export const PITCHES = 24;
export const FIRST_PITCH_HZ = 600;
export const PITCH_STEP_HZ = 100;

export function beepFrequencyHz(index: number): number {
  return FIRST_PITCH_HZ + PITCH_STEP_HZ * index;
}

export const BEEP_FREQUENCIES_HZ: readonly number[] = Array.from({ length: PITCHES }, (_, i) => beepFrequencyHz(i));

export const WAV_SAMPLE_RATE_HZ = 48_000;

/** Sample (from the start of the WAV) where beep `index` begins: mid-slot, so the loop's seam is silent. */
export function beepOnsetSample(index: number, spacingS = BEEP_SPACING_S): number {
  return Math.round((index + 0.5) * spacingS * WAV_SAMPLE_RATE_HZ);
}

/**
 * The fake microphone's WAV (RIFF, 16-bit stereo PCM, 48 kHz): PITCHES beeps of BEEP_LENGTH_S, beep
 * i at beepFrequencyHz(i), one every `spacingS` (BEEP_SPACING_S unless said), with 2 ms ramps, over
 * a bed of white noise (NOISE_PEAK, the same every time); Chromium loops it.
 */
export function beepWav(spacingS = BEEP_SPACING_S): Uint8Array {
  const frames = Math.round(PITCHES * spacingS * WAV_SAMPLE_RATE_HZ);
  const channels = 2;
  const dataBytes = frames * channels * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string): void => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, WAV_SAMPLE_RATE_HZ, true);
  view.setUint32(28, WAV_SAMPLE_RATE_HZ * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  let seed = 0x2545f491;
  const noise = new Float32Array(frames);
  for (let n = 0; n < frames; n++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; // LCG: the same bed on every run
    noise[n] = NOISE_PEAK * ((seed / 2 ** 32) * 2 - 1);
  }
  const sample = (n: number, beep: number): void => {
    const v = Math.round(Math.max(-1, Math.min(1, noise[n]! + beep)) * 32767);
    for (let c = 0; c < channels; c++) view.setInt16(44 + (n * channels + c) * 2, v, true);
  };
  for (let n = 0; n < frames; n++) sample(n, 0);
  const length = Math.round(BEEP_LENGTH_S * WAV_SAMPLE_RATE_HZ);
  const ramp = Math.round(0.002 * WAV_SAMPLE_RATE_HZ);
  for (let i = 0; i < PITCHES; i++) {
    const start = beepOnsetSample(i, spacingS);
    const f = beepFrequencyHz(i);
    for (let n = 0; n < length; n++) {
      const envelope = Math.min(1, n / ramp, (length - 1 - n) / ramp);
      sample(start + n, BEEP_AMPLITUDE * envelope * Math.sin((2 * Math.PI * f * n) / WAV_SAMPLE_RATE_HZ));
    }
  }
  return out;
}

/** Options of BeepDetector (plain data: also sent to the AudioWorklets). */
export interface BeepDetectorOptions {
  sampleRateHz: number;
  frequenciesHz: readonly number[];
  /** A sample at or above this magnitude is loud. */
  threshold: number;
  /** An onset needs this much quiet before it (shorter than the gap between beeps, longer than a beep). */
  quietBeforeMs: number;
  /** The pitch is measured over this window, starting skipMs after the onset. */
  windowMs: number;
  skipMs: number;
  /** Below this share of the window's energy at the best pitch, the sound is not one of our beeps (index −1). */
  minPurity: number;
}

export const DETECTOR_OPTIONS: Omit<BeepDetectorOptions, 'sampleRateHz'> = {
  frequenciesHz: BEEP_FREQUENCIES_HZ, threshold: 0.15, quietBeforeMs: 250, windowMs: 40, skipMs: 5, minPurity: 0.8,
};

export interface BeepDetection {
  /** Index into frequenciesHz, or −1 for a loud sound that is none of them. */
  index: number;
  /** Sample number of the onset, counted from the first sample pushed. */
  onsetSample: number;
  /** Share of the window's energy at the chosen pitch (1 = a pure tone). */
  purity: number;
}

/**
 * Finds beeps in a stream of mono samples. A sample of exactly 0 is no audio (a stalled player) and
 * is skipped, so a beep interrupted by a stall is one beep, heard when it began. Self-contained (no imports, no module constants): its
 * source text is also loaded into AudioWorklets (`BeepDetector.toString()`).
 */
export class BeepDetector {
  #opts: BeepDetectorOptions;
  #quietNeeded: number;
  #skip: number;
  #window: Float32Array;
  #position = 0;
  #quiet = 0;
  #onset = -1;
  #filled = 0;

  constructor(opts: BeepDetectorOptions) {
    this.#opts = opts;
    this.#quietNeeded = Math.round((opts.quietBeforeMs * opts.sampleRateHz) / 1000);
    this.#skip = Math.round((opts.skipMs * opts.sampleRateHz) / 1000);
    this.#window = new Float32Array(Math.round((opts.windowMs * opts.sampleRateHz) / 1000));
  }

  /** Samples pushed so far. */
  get position(): number {
    return this.#position;
  }

  /** Samples of audio since the last loud one (the stream's current quiet; exact zeros do not count). */
  get quietSamples(): number {
    return this.#quiet;
  }

  push(samples: ArrayLike<number>): BeepDetection[] {
    const found: BeepDetection[] = [];
    for (let i = 0; i < samples.length; i++, this.#position++) {
      const x = samples[i] as number;
      // Exactly 0 is no audio at all (a player stalled or not started: the noise bed is never 0):
      // it neither counts as quiet nor splits a beep in two.
      if (x === 0) continue;
      if (this.#onset >= 0) {
        const at = this.#position - this.#onset - this.#skip;
        if (at >= 0 && this.#filled < this.#window.length) this.#window[this.#filled++] = x;
        if (this.#filled === this.#window.length) {
          found.push({ onsetSample: this.#onset, ...this.#identify() });
          this.#onset = -1;
          this.#filled = 0;
        }
      }
      if (Math.abs(x) >= this.#opts.threshold) {
        if (this.#onset < 0 && this.#quiet >= this.#quietNeeded) this.#onset = this.#position;
        this.#quiet = 0;
      } else {
        this.#quiet++;
      }
    }
    return found;
  }

  /** Goertzel power at each candidate pitch over the window, as a share of the window's energy. */
  #identify(): { index: number; purity: number } {
    const w = this.#window;
    let energy = 0;
    for (const x of w) energy += x * x;
    let best = -1;
    let bestShare = 0;
    this.#opts.frequenciesHz.forEach((f, index) => {
      const coeff = 2 * Math.cos((2 * Math.PI * f) / this.#opts.sampleRateHz);
      let s1 = 0;
      let s2 = 0;
      for (const x of w) {
        const s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
      const share = energy > 0 ? (2 * power) / (w.length * energy) : 0;
      if (share > bestShare) {
        bestShare = share;
        best = index;
      }
    });
    return bestShare >= this.#opts.minPurity ? { index: best, purity: bestShare } : { index: -1, purity: bestShare };
  }
}

/** A beep seen somewhere, in wall-clock ms (Date.now()'s clock). */
export interface BeepEvent {
  index: number;
  atMs: number;
}

export class BeepPairingError extends Error {}

const describe = (e: BeepEvent): string => `beep #${e.index} (${e.index >= 0 ? `${beepFrequencyHz(e.index)} Hz` : 'no known pitch'})`;

/**
 * Pairs the first `count` beeps played (onsets, in order, from the moment the audio went on air)
 * with the first `count` beeps heard (arrivals, in order, from the same moment in the stream):
 * the k-th arrival is the k-th onset's, whatever the latency, and must have its pitch. Returns the
 * latencies in ms, in order. Throws BeepPairingError when the studio's onsets skip a pitch, when an
 * arrival is missing, has no known pitch or another beep's pitch (one was lost), or arrives before
 * its onset.
 */
export function pairBeeps(onsets: readonly BeepEvent[], arrivals: readonly BeepEvent[], count: number, where: string, pitches = PITCHES): number[] {
  if (onsets.length < count) throw new BeepPairingError(`the studio played ${onsets.length} beeps, ${count} were needed: is the fake microphone working?`);
  for (let k = 1; k < count; k++) {
    const prev = onsets[k - 1]!;
    const cur = onsets[k]!;
    if (cur.index !== (prev.index + 1) % pitches) {
      throw new BeepPairingError(`the studio's own detector saw ${describe(cur)} right after ${describe(prev)}: it missed a beep, so nothing can be paired`);
    }
  }
  const latencies: number[] = [];
  for (let k = 0; k < count; k++) {
    const onset = onsets[k]!;
    const arrival = arrivals[k];
    const played = `${describe(onset)}, the ${k + 1}${k === 0 ? 'st' : k === 1 ? 'nd' : k === 2 ? 'rd' : 'th'} played, at ${new Date(onset.atMs).toISOString()}`;
    if (!arrival) throw new BeepPairingError(`${where}: ${played} never arrived (${arrivals.length} of ${count} beeps arrived)`);
    if (arrival.index !== onset.index) {
      throw new BeepPairingError(`${where}: arrival ${k + 1} is ${describe(arrival)} where ${played} was due: ` +
        (arrival.index < 0 ? 'a sound that is none of the beeps' : `${describe(onset)} was lost`));
    }
    const latencyMs = arrival.atMs - onset.atMs;
    if (latencyMs < 0) throw new BeepPairingError(`${where}: ${played} arrived ${-latencyMs} ms before it was played: the clocks or the pairing are wrong`);
    latencies.push(latencyMs);
  }
  return latencies;
}
