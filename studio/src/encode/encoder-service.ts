// Encodes the mixer's master into Opus with WebCodecs. Fed by the engine's outputTrack
// (MediaStreamAudioDestinationNode) through MediaStreamTrackProcessor → AudioData; feeds the uplink
// one packet per 20 ms frame, timestamped from the AudioData (the capture clock). The encoder is
// configured from the first AudioData's real sample rate and channel count (FACTS.md: Chromium's
// capture rate is not always 48 kHz).

import { failureGoesToCaller, ignoreCleanupError } from '../../../shared/src/errors.ts';
import type { CodecConfig } from '../../../shared/src/protocol/messages.ts';
import { OPUS_INPUT_SAMPLE_RATES_HZ } from '../../../shared/src/protocol/messages.ts';
import type { AudioPacket } from '../uplink/uplink-client.ts';
import { bytesToBase64, durationUsToSamples48k } from './codec-math.ts';

export const FRAME_DURATION_US = 20_000;
export const BITRATES_KBPS = [64, 96, 128, 160, 192, 256] as const;
export const DEFAULT_BITRATE_KBPS = 128;

// MediaStreamTrackProcessor is not in TypeScript's DOM lib yet (Chromium only, page not worker).
declare const MediaStreamTrackProcessor: {
  new (init: { track: MediaStreamTrack; maxBufferSize?: number }): { readable: ReadableStream<AudioData> };
};

export interface EncoderServiceOptions {
  track: MediaStreamTrack;
  bitrateKbps: number;
  onPacket: (packet: AudioPacket) => void;
  onError: (err: Error) => void;
}

export class EncoderService {
  readonly bitrateKbps: number;
  #opts: EncoderServiceOptions;
  #encoder: AudioEncoder | null = null;
  #reader: ReadableStreamDefaultReader<AudioData> | null = null;
  #codec: Promise<CodecConfig>;
  #resolveCodec!: (codec: CodecConfig) => void;
  #rejectCodec!: (err: Error) => void;
  #inputRateHz = 0;
  #channels = 0;
  #stopped = false;
  #framesOut = 0;

  constructor(options: EncoderServiceOptions) {
    this.#opts = options;
    this.bitrateKbps = options.bitrateKbps;
    this.#codec = new Promise((resolve, reject) => {
      this.#resolveCodec = resolve;
      this.#rejectCodec = reject;
    });
    this.#codec.catch(failureGoesToCaller); // whoever awaits the codec config gets the rejection
  }

  /** The hello's codec config, known once the encoder has produced its first packet. */
  get codec(): Promise<CodecConfig> {
    return this.#codec;
  }

  get framesOut(): number {
    return this.#framesOut;
  }

  get inputSampleRateHz(): number {
    return this.#inputRateHz;
  }

  /** Starts pulling audio from the track; resolves once the loop is running. */
  start(): void {
    if (typeof AudioEncoder === 'undefined' || typeof MediaStreamTrackProcessor === 'undefined') {
      const err = new Error('this browser has no WebCodecs AudioEncoder or MediaStreamTrackProcessor: use a current Chromium');
      this.#rejectCodec(err);
      throw err;
    }
    const processor = new MediaStreamTrackProcessor({ track: this.#opts.track });
    this.#reader = processor.readable.getReader();
    void this.#pump();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#reader?.cancel().catch(ignoreCleanupError);
    if (this.#encoder && this.#encoder.state === 'configured') {
      await this.#encoder.flush().catch(ignoreCleanupError); // stopping: what is left unflushed is not sent anyway
      this.#encoder.close();
    }
  }

  async #pump(): Promise<void> {
    const reader = this.#reader as ReadableStreamDefaultReader<AudioData>;
    try {
      for (;;) {
        const { value: data, done } = await reader.read();
        if (done || this.#stopped) {
          data?.close();
          break;
        }
        try {
          if (!this.#encoder) this.#configure(data.sampleRate, data.numberOfChannels);
          (this.#encoder as AudioEncoder).encode(data);
        } finally {
          data.close();
        }
      }
    } catch (err) {
      if (!this.#stopped) this.#fail(err as Error);
    }
  }

  #configure(sampleRateHz: number, channels: number): void {
    if (!(OPUS_INPUT_SAMPLE_RATES_HZ as readonly number[]).includes(sampleRateHz)) {
      throw new Error(`the mixer runs at ${sampleRateHz} Hz, Opus takes ${OPUS_INPUT_SAMPLE_RATES_HZ.join(', ')} Hz`);
    }
    this.#inputRateHz = sampleRateHz;
    this.#channels = Math.min(2, channels);
    const encoder = new AudioEncoder({
      output: (chunk, metadata) => this.#onChunk(chunk, metadata),
      error: (err) => this.#fail(err),
    });
    encoder.configure({
      codec: 'opus',
      sampleRate: sampleRateHz,
      numberOfChannels: this.#channels,
      bitrate: this.bitrateKbps * 1000,
      opus: { frameDuration: FRAME_DURATION_US, application: 'audio' },
    } as AudioEncoderConfig);
    this.#encoder = encoder;
  }

  #onChunk(chunk: EncodedAudioChunk, metadata?: EncodedAudioChunkMetadata): void {
    const description = metadata?.decoderConfig?.description;
    if (description && this.#framesOut === 0) {
      const head = ArrayBuffer.isView(description)
        ? new Uint8Array(description.buffer, description.byteOffset, description.byteLength).slice()
        : new Uint8Array(description).slice();
      this.#resolveCodec({
        name: 'opus',
        sampleRateHz: this.#inputRateHz as CodecConfig['sampleRateHz'],
        channels: this.#channels as CodecConfig['channels'],
        bitrateKbps: this.bitrateKbps,
        frameDurationUs: FRAME_DURATION_US,
        opusHead: bytesToBase64(head),
      });
    }
    const packet = new Uint8Array(chunk.byteLength);
    chunk.copyTo(packet);
    this.#framesOut++;
    this.#opts.onPacket({
      timestampUs: Math.round(chunk.timestamp),
      durationSamples: durationUsToSamples48k(chunk.duration ?? FRAME_DURATION_US),
      packet,
    });
  }

  #fail(err: Error): void {
    this.#rejectCodec(err);
    this.#opts.onError(err);
  }
}
