// The waveform of a finalized recording, for the console's player: the file decoded once (Ogg Opus:
// opus-decoder; MP3: mpg123-decoder; Ogg Vorbis: @wasm-audio-decoders/ogg-vorbis) and reduced to
// WAVEFORM_PEAKS_PER_SECOND peaks a second (the largest absolute sample of every channel in each
// bucket, 0..1, 3 decimals). Fed by finalize-show.ts through waveform-worker.ts (decoding a long show
// takes seconds of CPU); the result is `waveform.json` beside the manifest and `….waveform.json`
// beside the stored recording. A show is streamed in bounded chunks, never held in memory.
import { createReadStream } from 'node:fs';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { MPEGDecoder } from 'mpg123-decoder';
import { OpusDecoder } from 'opus-decoder';
import type { StreamFormat } from '../../../shared/src/audio-unit.ts';
import { isOpusHead, isOpusTags, parseOpusHead } from '../../../shared/src/ogg/codec-headers.ts';
import { OggFramer } from '../../../shared/src/ogg/ogg-framer.ts';
import { OggPacketAssembler, oggPageLength, readOggPage } from '../../../shared/src/ogg/ogg-page.ts';

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

/** Channel data at a sample rate, as every decoder here returns it. */
interface Pcm {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
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
export type WaveformInput = 'ogg-opus' | StreamFormat;

interface Decoder {
  decode(bytes: Uint8Array): Promise<Pcm[]>;
  flush(): Promise<Pcm[]>;
  free(): void;
}

/** Ogg Opus, chains included: a new OpusHead starts a new decoder (its pre-skip trimmed). */
function oggOpusDecoder(): Decoder {
  const framer = new OggFramer();
  const assembler = new OggPacketAssembler();
  let d: OpusDecoder<48000> | null = null;
  return {
    async decode(bytes) {
      const out: Pcm[] = [];
      for (const unit of framer.push(bytes)) {
        const page = readOggPage(unit.data, 0, oggPageLength(unit.data, 0));
        for (const p of assembler.push(page)) {
          if (isOpusHead(p.data)) {
            const head = parseOpusHead(p.data);
            d?.free();
            d = new OpusDecoder({ channels: head.channels, preSkip: head.preSkip, sampleRate: 48000 });
            await d.ready;
            continue;
          }
          if (isOpusTags(p.data) || !d) continue;
          const r = d.decodeFrame(p.data);
          if (r.samplesDecoded > 0) out.push({ channelData: r.channelData, samplesDecoded: r.samplesDecoded, sampleRate: 48000 });
        }
      }
      return out;
    },
    flush: async () => [],
    free: () => d?.free(),
  };
}

function mp3Decoder(): Decoder {
  const d = new MPEGDecoder();
  return {
    async decode(bytes) {
      await d.ready;
      const r = d.decode(bytes);
      return r.samplesDecoded > 0 ? [r] : [];
    },
    flush: async () => [],
    free: () => d.free(),
  };
}

function vorbisDecoder(): Decoder {
  const d = new OggVorbisDecoder();
  return {
    async decode(bytes) {
      await d.ready;
      const r = await d.decode(bytes);
      return r.samplesDecoded > 0 ? [r] : [];
    },
    async flush() {
      await d.ready;
      const r = await d.flush();
      return r.samplesDecoded > 0 ? [r] : [];
    },
    free: () => d.free(),
  };
}

function decoderFor(format: WaveformInput): Decoder {
  switch (format) {
    case 'ogg-opus': return oggOpusDecoder();
    case 'mp3': return mp3Decoder();
    case 'ogg-vorbis': return vorbisDecoder();
    default: throw new RangeError(`no decoder for a ${format} recording: its waveform cannot be drawn`);
  }
}

/** Input chunk size: mpg123's feed buffer takes this much at once. */
const READ_CHUNK_BYTES = 64 * 1024;

/** Decodes the file and measures its peaks (on the calling thread: use computeWaveformOffThread in the bridge). */
export async function computeWaveform(inPath: string, format: WaveformInput, peaksPerSecond = WAVEFORM_PEAKS_PER_SECOND): Promise<Waveform> {
  const decoder = decoderFor(format);
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
