// Peak and RMS over blocks of samples, and the dB scale of faders and meters. Pure: used by the
// AudioWorklet meter processor (meter-processor.ts) and the mixer model; tested under node.

/** The name meter-processor.ts registers (the engine imports it from here, not from the worklet file). */
export const METER_PROCESSOR_NAME = 'aircheck-meter';

/** Floor of every meter and fader, in dBFS: below it counts as silence. */
export const MIN_DB = -60;

export function dbToGain(db: number): number {
  return db <= MIN_DB ? 0 : 10 ** (db / 20);
}

export function gainToDb(gain: number): number {
  return gain <= 0 ? MIN_DB : Math.max(MIN_DB, 20 * Math.log10(gain));
}

export interface MeterReading {
  /** Highest absolute sample over the window, in dBFS (MIN_DB for silence). */
  peakDb: number;
  /** Root mean square over the window, in dBFS. */
  rmsDb: number;
}

/**
 * Accumulates 128-sample render quanta of any channel count and yields a reading once windowSamples
 * have passed (per channel; the loudest channel wins, as on a hardware meter).
 */
export class MeterAccumulator {
  readonly windowSamples: number;
  #peak = 0;
  #sumSquares: number[] = [];
  #count = 0;

  constructor(windowSamples: number) {
    if (!(windowSamples > 0)) throw new RangeError(`MeterAccumulator: windowSamples must be positive, got ${windowSamples}`);
    this.windowSamples = windowSamples;
  }

  /** Adds one block (one Float32Array per channel); returns a reading when a window is complete. */
  add(channels: readonly Float32Array[]): MeterReading | null {
    const frames = channels[0]?.length ?? 0;
    for (let c = 0; c < channels.length; c++) {
      const data = channels[c] as Float32Array;
      let sum = this.#sumSquares[c] ?? 0;
      let peak = this.#peak;
      for (let i = 0; i < data.length; i++) {
        const v = data[i] as number;
        const a = v < 0 ? -v : v;
        if (a > peak) peak = a;
        sum += v * v;
      }
      this.#peak = peak;
      this.#sumSquares[c] = sum;
    }
    this.#count += frames;
    if (this.#count < this.windowSamples) return null;
    let maxMeanSquare = 0;
    for (const sum of this.#sumSquares) maxMeanSquare = Math.max(maxMeanSquare, sum / this.#count);
    const reading = { peakDb: gainToDb(this.#peak), rmsDb: gainToDb(Math.sqrt(maxMeanSquare)) };
    this.#peak = 0;
    this.#sumSquares = [];
    this.#count = 0;
    return reading;
  }
}

// ---- The meter scale: one fixed dBFS scale for every meter (channels and master). ----

/** Top of every meter, in dBFS. */
export const METER_MAX_DB = 0;
/** From here up a meter is yellow (dBFS). */
export const METER_YELLOW_DB = -18;
/** From here up a meter is red (dBFS). */
export const METER_RED_DB = -6;
/** A peak at or above this latches the clip indicator (dBFS). */
export const METER_CLIP_DB = -0.1;
/** How long the peak-hold marker stays put before it falls, in ms. */
export const PEAK_HOLD_MS = 1500;
/** How fast the peak-hold marker falls once the hold is over, in dB per second. */
export const PEAK_FALL_DB_PER_S = 20;
/** The labelled ticks of the scale, in dBFS. */
export const METER_TICKS: readonly number[] = [-60, -48, -36, -24, -18, -12, -6, 0];

export type MeterZone = 'green' | 'yellow' | 'red';

/** Where a level sits on the scale: 0 at MIN_DB (and below), 1 at METER_MAX_DB (and above); linear in dB. */
export function dbToPosition(db: number): number {
  if (!(db > MIN_DB)) return 0; // also NaN
  if (db >= METER_MAX_DB) return 1;
  return (db - MIN_DB) / (METER_MAX_DB - MIN_DB);
}

/** The level at a position of the scale (inverse of dbToPosition, clamped to 0…1). */
export function positionToDb(position: number): number {
  const p = Math.max(0, Math.min(1, position));
  return MIN_DB + p * (METER_MAX_DB - MIN_DB);
}

/** The colour zone of a level. */
export function meterZone(db: number): MeterZone {
  if (db >= METER_RED_DB) return 'red';
  if (db >= METER_YELLOW_DB) return 'yellow';
  return 'green';
}

/** The zones as fixed spans of the track (positions 0…1), bottom to top. */
export const METER_ZONES: readonly { zone: MeterZone; from: number; to: number }[] = [
  { zone: 'green', from: 0, to: dbToPosition(METER_YELLOW_DB) },
  { zone: 'yellow', from: dbToPosition(METER_YELLOW_DB), to: dbToPosition(METER_RED_DB) },
  { zone: 'red', from: dbToPosition(METER_RED_DB), to: 1 },
];

/** Whether a peak reading counts as a clip. */
export function isClip(peakDb: number): boolean {
  return peakDb >= METER_CLIP_DB;
}

/**
 * Peak hold: the marker jumps up to any higher peak, holds it for holdMs, then falls at fallDbPerS
 * (never below the current peak). Time is passed in (ms), so it runs the same in tests and pages.
 */
export class PeakHold {
  readonly holdMs: number;
  readonly fallDbPerS: number;
  #heldDb = MIN_DB;
  #heldAtMs = -Infinity;

  constructor(holdMs = PEAK_HOLD_MS, fallDbPerS = PEAK_FALL_DB_PER_S) {
    this.holdMs = holdMs;
    this.fallDbPerS = fallDbPerS;
  }

  /** The marker's level at nowMs given a new peak reading. */
  update(peakDb: number, nowMs: number): number {
    const current = this.valueAt(nowMs);
    if (peakDb >= current) {
      this.#heldDb = peakDb;
      this.#heldAtMs = nowMs;
      return peakDb;
    }
    return current;
  }

  /** The marker's level at nowMs without a new reading. */
  valueAt(nowMs: number): number {
    const fallingForS = (nowMs - this.#heldAtMs - this.holdMs) / 1000;
    if (!(fallingForS > 0)) return this.#heldDb;
    return Math.max(MIN_DB, this.#heldDb - fallingForS * this.fallDbPerS);
  }
}
