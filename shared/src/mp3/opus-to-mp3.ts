// Opus → MP3 transcoding: decodes Opus packets to PCM (opus-decoder) and encodes MP3 (LAME via
// wasm-media-encoders, CBR). Fed packets by the recording's MP3 rendition
// (recordings/src/finalize/mp3-rendition.ts, read from show.opus); feeds it whole MP3 frames as
// AudioUnits. Streaming: it holds one packet's PCM and at most one partial MP3 frame. (The live
// /live.mp3 is a ladder rung: bridge/src/ladder/.)

import { OpusDecoder } from 'opus-decoder';
import { createMp3Encoder } from 'wasm-media-encoders';
import { AircheckError } from '../errors.ts';
import { opusPacketSamples } from '../ogg/codec-headers.ts';
import { MAX_OPUS_PACKET_BYTES } from '../protocol/audio-frame.ts';
import type { AudioUnit } from '../audio-unit.ts';
import { Mp3Framer } from './mp3-framer.ts';

/** MPEG-1 Layer III bitrates (ISO 11172-3 §2.4.2.3) that wasm-media-encoders takes for CBR (it has no 56). */
export const MP3_BITRATES_KBPS = [32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
export type Mp3BitrateKbps = (typeof MP3_BITRATES_KBPS)[number];
/** MPEG-1 sample rates: 1152-sample frames, and every player takes them. */
export const MP3_SAMPLE_RATES_HZ = [32000, 44100, 48000] as const;
export type Mp3SampleRateHz = (typeof MP3_SAMPLE_RATES_HZ)[number];

export interface OpusToMp3Options {
  /** From the stream's OpusHead (the studio's hello codec.channels, or the file's): 1 or 2; the MP3 has as many. */
  channels: 1 | 2;
  /** OpusHead pre-skip: samples at 48 kHz to drop from the start of the decoded audio. Default 0. */
  preSkipSamples?: number;
  /** CBR bitrate; default 128. */
  bitrateKbps?: Mp3BitrateKbps;
  /** Default 48000: Opus decodes at 48 kHz, so LAME does not resample. */
  outputSampleRateHz?: Mp3SampleRateHz;
}

export interface OpusToMp3Stats {
  packets: number;
  /** Packets libopus rejected; each became silence of the packet's duration (TOC, else 20 ms) so timing holds. */
  decodeErrors: number;
  /** Samples per channel at 48 kHz given to the MP3 encoder. */
  samples: number;
  mp3Frames: number;
  mp3Bytes: number;
}

/** RFC 6716 §3.2.5: a packet carries at most 120 ms. */
const MAX_OPUS_PACKET_SAMPLES = 5760;

type Mp3Encoder = Awaited<ReturnType<typeof createMp3Encoder>>;

export class OpusToMp3 {
  readonly channels: 1 | 2;
  readonly bitrateKbps: Mp3BitrateKbps;
  readonly outputSampleRateHz: Mp3SampleRateHz;
  readonly #decoder: OpusDecoder<48000>;
  readonly #encoder: Mp3Encoder;
  readonly #framer = new Mp3Framer();
  #closed = false;
  readonly #stats: OpusToMp3Stats = { packets: 0, decodeErrors: 0, samples: 0, mp3Frames: 0, mp3Bytes: 0 };

  /** Loads and starts both WASM codecs (the decoder's first start takes 30–50 ms). */
  static async create(options: OpusToMp3Options): Promise<OpusToMp3> {
    const channels = options.channels;
    const bitrateKbps = options.bitrateKbps ?? 128;
    const outputSampleRateHz = options.outputSampleRateHz ?? 48000;
    const preSkip = options.preSkipSamples ?? 0;
    if (channels !== 1 && channels !== 2) {
      throw new AircheckError('STUDIO_CODEC_UNSUPPORTED',
        `Opus → MP3: ${String(channels)} channels, expected 1 or 2: configure the studio's encoder for mono or stereo`);
    }
    const problems: string[] = [];
    if (!MP3_BITRATES_KBPS.includes(bitrateKbps)) problems.push(`bitrate ${String(bitrateKbps)} kbps is not one of ${MP3_BITRATES_KBPS.join(', ')}`);
    if (!MP3_SAMPLE_RATES_HZ.includes(outputSampleRateHz)) problems.push(`sample rate ${String(outputSampleRateHz)} Hz is not one of ${MP3_SAMPLE_RATES_HZ.join(', ')}`);
    if (!Number.isInteger(preSkip) || preSkip < 0 || preSkip > 65535) problems.push(`pre-skip ${preSkip} is not 0..65535 samples`);
    if (problems.length > 0) {
      throw new AircheckError('CONFIG_INVALID', `Opus → MP3: ${problems.join('; ')}: fix the MP3 settings (companion or rendition)`);
    }
    const decoder = new OpusDecoder({ channels, preSkip, sampleRate: 48000 });
    const [, encoder] = await Promise.all([decoder.ready, createMp3Encoder()]);
    // FACTS: set outputSampleRate, or LAME picks its own.
    encoder.configure({ sampleRate: 48000, channels, bitrate: bitrateKbps, outputSampleRate: outputSampleRateHz });
    return new OpusToMp3(decoder, encoder, channels, bitrateKbps, outputSampleRateHz);
  }

  private constructor(decoder: OpusDecoder<48000>, encoder: Mp3Encoder, channels: 1 | 2, bitrateKbps: Mp3BitrateKbps, outputSampleRateHz: Mp3SampleRateHz) {
    this.#decoder = decoder;
    this.#encoder = encoder;
    this.channels = channels;
    this.bitrateKbps = bitrateKbps;
    this.outputSampleRateHz = outputSampleRateHz;
  }

  get stats(): Readonly<OpusToMp3Stats> {
    return { ...this.#stats };
  }

  /**
   * One Opus packet (48 kHz) in; the MP3 frames that completed, out (often none or one: LAME works in
   * 1152-sample frames and holds a little look-ahead). The units own their bytes.
   */
  push(packet: Uint8Array): AudioUnit[] {
    this.#checkOpen();
    if (packet.length === 0 || packet.length > MAX_OPUS_PACKET_BYTES) {
      throw new AircheckError('STUDIO_MESSAGE_TOO_LARGE',
        `Opus → MP3: Opus packet of ${packet.length} bytes, expected 1..${MAX_OPUS_PACKET_BYTES}: the caller must check packets first (the ingest with decodeAudioFrame)`);
    }
    this.#stats.packets++;
    const decoded = this.#decoder.decodeFrame(packet);
    let pcm = decoded.channelData;
    if (decoded.errors.length > 0 || decoded.samplesDecoded === 0) {
      this.#stats.decodeErrors++;
      const tocSamples = opusPacketSamples(packet);
      const samples = tocSamples >= 120 && tocSamples <= MAX_OPUS_PACKET_SAMPLES ? tocSamples : 960;
      pcm = Array.from({ length: this.channels }, () => new Float32Array(samples));
    } else if (pcm.length > this.channels) {
      pcm = pcm.slice(0, this.channels);
    }
    this.#stats.samples += pcm[0]?.length ?? 0;
    return this.#frames(this.#encoder.encode(pcm));
  }

  /** End of the stream: the MP3 frames LAME still holds (padded to a whole frame). Then close(). */
  flush(): AudioUnit[] {
    this.#checkOpen();
    return this.#frames(this.#encoder.finalize());
  }

  /** Frees the decoder's WASM memory. The encoder has no free(); it is garbage-collected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.free();
  }

  #frames(encoded: Uint8Array): AudioUnit[] {
    if (encoded.length === 0) return [];
    // The view points into the encoder's WASM memory, which the next call overwrites (FACTS): copy it.
    // LAME's output is not cut at frame boundaries; the framer splits it and carries a partial frame.
    const units = this.#framer.push(encoded.slice());
    for (const unit of units) {
      this.#stats.mp3Frames++;
      this.#stats.mp3Bytes += unit.data.length;
    }
    return units;
  }

  #checkOpen(): void {
    if (this.#closed) throw new RangeError('OpusToMp3: used after close()');
  }
}
