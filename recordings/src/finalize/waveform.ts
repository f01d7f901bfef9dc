// The waveform of a finalized recording, for the console's player: the file decoded once (Ogg Opus:
// opus-decoder; MP3: mpg123-decoder; Ogg Vorbis: @wasm-audio-decoders/ogg-vorbis) and reduced to
// WAVEFORM_PEAKS_PER_SECOND peaks a second (the largest absolute sample of every channel in each
// bucket, 0..1, 3 decimals). Fed by finalize-show.ts through waveform-worker.ts (decoding a long show
// takes seconds of CPU); the result is `waveform.json` beside the manifest and `….waveform.json`
// beside the stored recording. A show is streamed in bounded chunks, never held in memory.
import { createReadStream } from 'node:fs';
import { createStreamDecoder, type DecodableFormat, type Pcm } from '../../../shared/src/decode/stream-decoder.ts';

export const WAVEFORM_FILE = 'waveform.json';
export const WAVEFORM_PEAKS_PER_SECOND = 10;
const WAVEFORM_VERSION = 1;

/** `waveform.json`: what the console draws under its player. */
export interface Waveform {
  version: typeof WAVEFORM_VERSION;
  peaksPerSecond: number;
  /** The decoded audio's rate (peaks cover equal time at any rate). */
  sampleRateHz: number;
  /** Decoded audio length (ms): peaks.length ≈ durationMs / 1000 × peaksPerSecond. */
  durationMs: number;
  /** 0..1, rounded to 3 decimals; one per 1 / peaksPerSecond s, the last one possibly shorter. */
  peaks: number[];
}

/**
 * Bucketed peaks of PCM pushed in any block sizes. Pure. A change of sample rate mid-stream (an MP3
 * source that reconnected at another rate) closes the bucket and goes on at the new rate.
 */
export class PeakMeter {
  readonly peaksPerSecond: number;
  readonly #peaks: number[] = [];
  #rate = 0;
  #bucketSamples = 0;
  #inBucket = 0;
  #peak = 0;
  #durationS = 0;
  #firstRate = 0;

  constructor(peaksPerSecond = WAVEFORM_PEAKS_PER_SECOND) {
    this.peaksPerSecond = peaksPerSecond;
  }

  push(channelData: readonly Float32Array[], samples: number, sampleRateHz: number): void {
    if (samples <= 0 || channelData.length === 0) return;
    if (sampleRateHz !== this.#rate) {
      if (this.#inBucket > 0) this.#close();
      this.#rate = sampleRateHz;
      this.#firstRate ||= sampleRateHz;
      this.#bucketSamples = Math.max(1, Math.round(sampleRateHz / this.peaksPerSecond));
    }
    this.#durationS += samples / sampleRateHz;
    for (let i = 0; i < samples; i++) {
      for (const ch of channelData) {
        const v = Math.abs(ch[i] ?? 0);
        if (v > this.#peak) this.#peak = v;
      }
      if (++this.#inBucket === this.#bucketSamples) this.#close();
    }
  }

  /** The waveform so far, the partial last bucket included. */
  finish(): Waveform {
    if (this.#inBucket > 0) this.#close();
    return {
      version: WAVEFORM_VERSION, peaksPerSecond: this.peaksPerSecond, sampleRateHz: this.#firstRate,
      durationMs: Math.round(this.#durationS * 1000), peaks: this.#peaks.slice(),
    };
  }

  #close(): void {
    // Decoders may overshoot full scale slightly (clipped masters); a peak is at most 1.
    this.#peaks.push(Math.round(Math.min(1, this.#peak) * 1000) / 1000);
    this.#peak = 0;
    this.#inBucket = 0;
  }
}

/** What a recording file holds: the studio's Ogg Opus, or a source's stream as received. */
export type WaveformInput = DecodableFormat;

/** Input chunk size: mpg123's feed buffer takes this much at once. */
const READ_CHUNK_BYTES = 64 * 1024;

/** Decodes the file and measures its peaks (on the calling thread: use computeWaveformOffThread in the bridge). */
export async function computeWaveform(inPath: string, format: WaveformInput, peaksPerSecond = WAVEFORM_PEAKS_PER_SECOND): Promise<Waveform> {
  const decoder = createStreamDecoder(format);
  const meter = new PeakMeter(peaksPerSecond);
  const take = (pcms: Pcm[]) => {
    for (const p of pcms) meter.push(p.channelData, p.samplesDecoded, p.sampleRate);
  };
  try {
    for await (const chunk of createReadStream(inPath, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
      take(await decoder.decode(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    }
    take(await decoder.flush());
  } finally {
    decoder.free();
  }
  return meter.finish();
}
