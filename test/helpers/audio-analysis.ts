// Turns captured audio (a listener's bytes, a recorded file) into mono PCM with ffmpeg and measures
// what is in it: the dominant frequency, a frequency timeline, the duration. Used by integration and
// e2e tests to assert "the listener heard the 440 Hz tone the source sent".
import { execFile, spawn } from 'node:child_process';

export const DEFAULT_ANALYSIS_RATE_HZ = 22050;
/** Below this RMS (≈ −80 dBFS) a window counts as silence and has no frequency. */
export const SILENCE_RMS = 1e-4;

export interface DecodeOptions {
  /** Output sample rate; default 22050 Hz (enough for tones up to ~10 kHz). */
  sampleRateHz?: number;
  /** ffmpeg demuxer name ('mp3', 'ogg', 'wav', …) when probing a partial stream might guess wrong. */
  inputFormat?: string;
  timeoutMs?: number;
}

export interface DecodedAudio {
  /** Mono float32 samples in [-1, 1]. */
  samples: Float32Array;
  sampleRateHz: number;
}

/**
 * Decodes bytes (piped on stdin) or a file path to mono float32 PCM. Tolerates a stream that starts
 * mid-way (MP3 resync) or is cut off at the end; rejects only when nothing could be decoded.
 */
export function decodeAudio(input: Uint8Array | string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const sampleRateHz = opts.sampleRateHz ?? DEFAULT_ANALYSIS_RATE_HZ;
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-fflags', '+discardcorrupt', '-err_detect', 'ignore_err'];
  if (opts.inputFormat !== undefined) args.push('-f', opts.inputFormat);
  args.push('-i', typeof input === 'string' ? input : 'pipe:0');
  args.push('-vn', '-ac', '1', '-ar', String(sampleRateHz), '-f', 'f32le', '-c:a', 'pcm_f32le', 'pipe:1');

  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: [typeof input === 'string' ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.stderr?.on('data', (c: Buffer) => {
      if (stderr.length < 8000) stderr += c.toString('utf8');
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`decodeAudio: could not run ffmpeg: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      const usable = bytes.length - (bytes.length % 4);
      if (usable === 0) {
        const what = typeof input === 'string' ? input : `${input.length} bytes`;
        reject(new Error(`decodeAudio: ffmpeg decoded nothing from ${what} (exit ${code ?? signal}): ${stderr.trim() || 'no message'}`));
        return;
      }
      // Copy into an aligned buffer: Buffer.concat may hand back an unaligned pool slice.
      const samples = new Float32Array(usable / 4);
      new Uint8Array(samples.buffer).set(bytes.subarray(0, usable));
      resolve({ samples, sampleRateHz });
    });
    if (typeof input !== 'string' && child.stdin) {
      child.stdin.on('error', () => {
        // EPIPE when ffmpeg stops reading early (garbage, or it has seen enough): 'close' reports.
      });
      child.stdin.end(input);
    }
  });
}

export function durationSeconds(pcm: Float32Array, sampleRateHz: number): number {
  return pcm.length / sampleRateHz;
}

/** Container duration as ffprobe reports it (for files: recordings, generated tones). */
export function probeDurationSeconds(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', path],
      (err, stdout) => {
        const value = Number.parseFloat(stdout.trim());
        if (err || !Number.isFinite(value)) reject(new Error(`ffprobe gave no duration for ${path}: ${err?.message ?? stdout}`, { cause: err }));
        else resolve(value);
      },
    );
  });
}

export function rms(pcm: Float32Array, start = 0, end = pcm.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += pcm[i]! * pcm[i]!;
  return end > start ? Math.sqrt(sum / (end - start)) : 0;
}

// ── spectrum ────────────────────────────────────────────────────────────────────────────────────

/** In-place iterative radix-2 FFT (Cooley–Tukey); re.length must be a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wRe = Math.cos(angle);
    const wIm = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let curRe = 1;
      let curIm = 0;
      const half = len >> 1;
      for (let k = 0; k < half; k++) {
        const a = i + k;
        const b = a + half;
        const tRe = re[b]! * curRe - im[b]! * curIm;
        const tIm = re[b]! * curIm + im[b]! * curRe;
        re[b] = re[a]! - tRe;
        im[b] = im[a]! - tIm;
        re[a] = re[a]! + tRe;
        im[a] = im[a]! + tIm;
        const nextRe = curRe * wRe - curIm * wIm;
        curIm = curRe * wIm + curIm * wRe;
        curRe = nextRe;
      }
    }
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/**
 * Power spectrum averaged over Hann-windowed frames of `frameLen` samples (Welch), each frame
 * zero-padded to `fftSize`. Returns fftSize/2 + 1 bins.
 */
function averagedPowerSpectrum(pcm: Float32Array, start: number, end: number, frameLen: number, fftSize: number): Float64Array {
  const power = new Float64Array(fftSize / 2 + 1);
  const re = new Float64Array(fftSize);
  const im = new Float64Array(fftSize);
  const window = new Float64Array(frameLen);
  for (let i = 0; i < frameLen; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (frameLen - 1));
  const hop = Math.max(1, frameLen >> 1);
  for (let off = start; off + frameLen <= end; off += hop) {
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < frameLen; i++) re[i] = pcm[off + i]! * window[i]!;
    fft(re, im);
    for (let k = 0; k < power.length; k++) power[k]! += re[k]! * re[k]! + im[k]! * im[k]!;
  }
  return power;
}

/** Peak bin between minHz and maxHz, refined by Gaussian (log-parabolic) interpolation. */
function peakFrequency(power: Float64Array, fftSize: number, sampleRateHz: number, minHz: number, maxHz: number): number | null {
  const binHz = sampleRateHz / fftSize;
  const lo = Math.max(1, Math.ceil(minHz / binHz));
  const hi = Math.min(power.length - 2, Math.floor(maxHz / binHz));
  let best = -1;
  let bestPower = 0;
  for (let k = lo; k <= hi; k++) {
    if (power[k]! > bestPower) {
      bestPower = power[k]!;
      best = k;
    }
  }
  if (best < 0 || bestPower <= 0) return null;
  const a = Math.log(power[best - 1]! + 1e-30);
  const b = Math.log(bestPower);
  const c = Math.log(power[best + 1]! + 1e-30);
  const denom = a - 2 * b + c;
  const delta = denom === 0 ? 0 : (0.5 * (a - c)) / denom;
  return (best + Math.max(-0.5, Math.min(0.5, delta))) * binHz;
}

export interface FrequencyOptions {
  minHz?: number;
  maxHz?: number;
}

function dominantIn(pcm: Float32Array, start: number, end: number, sampleRateHz: number, maxFrameLen: number, opts: FrequencyOptions): number | null {
  const len = end - start;
  if (len < 64 || rms(pcm, start, end) < SILENCE_RMS) return null;
  const frameLen = Math.min(len, maxFrameLen);
  // Zero-pad to at least 4096 points so the interpolation works on a smooth main lobe.
  const fftSize = Math.max(4096, nextPow2(frameLen));
  const power = averagedPowerSpectrum(pcm, start, end, frameLen, fftSize);
  return peakFrequency(power, fftSize, sampleRateHz, opts.minHz ?? 20, opts.maxHz ?? sampleRateHz / 2);
}

/** The strongest frequency in the whole signal, accurate to well under 1 Hz for a clean tone; null for silence. */
export function dominantFrequencyHz(pcm: Float32Array, sampleRateHz: number, opts: FrequencyOptions = {}): number | null {
  return dominantIn(pcm, 0, pcm.length, sampleRateHz, 8192, opts);
}

export interface TimelineWindow {
  startS: number;
  endS: number;
  /** null when the window is silent. */
  frequencyHz: number | null;
  rms: number;
}

/** Dominant frequency per consecutive window of `windowMs` (a trailing partial window is dropped). */
export function frequencyTimeline(pcm: Float32Array, sampleRateHz: number, windowMs: number, opts: FrequencyOptions = {}): TimelineWindow[] {
  const windowLen = Math.round((windowMs / 1000) * sampleRateHz);
  if (windowLen < 64) throw new Error(`frequencyTimeline: ${windowMs} ms is too short at ${sampleRateHz} Hz; use at least ${Math.ceil((64 / sampleRateHz) * 1000)} ms`);
  const out: TimelineWindow[] = [];
  for (let start = 0; start + windowLen <= pcm.length; start += windowLen) {
    const end = start + windowLen;
    out.push({
      startS: start / sampleRateHz,
      endS: end / sampleRateHz,
      frequencyHz: dominantIn(pcm, start, end, sampleRateHz, windowLen, opts),
      rms: rms(pcm, start, end),
    });
  }
  return out;
}

export interface ToneSegmentFound {
  /** Median of the windows' frequencies; null for a silent stretch. */
  frequencyHz: number | null;
  startS: number;
  endS: number;
  windows: number;
}

/**
 * Collapses a timeline into runs of the same tone (within toleranceHz) or of silence, dropping runs
 * shorter than minDurationS (transitions, codec pre-echo). Consecutive runs of the same tone left
 * adjacent after a drop are merged. Assert on e.g. segments.map(s => Math.round(s.frequencyHz)).
 */
export function toneSegments(timeline: readonly TimelineWindow[], opts: { toleranceHz?: number; minDurationS?: number } = {}): ToneSegmentFound[] {
  const tol = opts.toleranceHz ?? 8;
  const minDur = opts.minDurationS ?? 0;
  const same = (a: number | null, b: number | null): boolean => (a === null || b === null ? a === b : Math.abs(a - b) <= tol);
  const runs: { freqs: number[]; silent: boolean; startS: number; endS: number; windows: number }[] = [];
  for (const w of timeline) {
    const last = runs.at(-1);
    const lastFreq = last === undefined ? undefined : last.silent ? null : median(last.freqs);
    if (last !== undefined && lastFreq !== undefined && same(lastFreq, w.frequencyHz)) {
      if (w.frequencyHz !== null) last.freqs.push(w.frequencyHz);
      last.endS = w.endS;
      last.windows++;
    } else {
      runs.push({ freqs: w.frequencyHz === null ? [] : [w.frequencyHz], silent: w.frequencyHz === null, startS: w.startS, endS: w.endS, windows: 1 });
    }
  }
  const kept: ToneSegmentFound[] = [];
  for (const r of runs) {
    if (r.endS - r.startS < minDur) continue;
    const f = r.silent ? null : median(r.freqs);
    const prev = kept.at(-1);
    if (prev !== undefined && same(prev.frequencyHz, f)) {
      prev.endS = r.endS;
      prev.windows += r.windows;
    } else {
      kept.push({ frequencyHz: f, startS: r.startS, endS: r.endS, windows: r.windows });
    }
  }
  return kept;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
