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
