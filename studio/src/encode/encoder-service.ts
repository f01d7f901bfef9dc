// Encodes the mixer's master into Opus with WebCodecs. Fed by the engine's master through an
// AudioDataSource (audio-data-source.ts): MediaStreamTrackProcessor on the master track where the
// browser has it (Chromium), else an AudioWorklet on the master node (Firefox, Safari; or
// `?capture=worklet`); feeds the uplink one packet per 20 ms frame, timestamped from the AudioData
// (the capture clock). The encoder is configured from the first AudioData's real sample rate and
// channel count (FACTS.md: Chromium's capture rate is not always 48 kHz). Either path puts the same
// frames on the wire: 20 ms Opus packets and the AudioEncoder's 19-byte OpusHead.

import { failureGoesToCaller, ignoreCleanupError } from '../../../shared/src/errors.ts';
import type { CodecConfig } from '../../../shared/src/protocol/messages.ts';
import { OPUS_INPUT_SAMPLE_RATES_HZ } from '../../../shared/src/protocol/messages.ts';
import type { AudioPacket } from '../uplink/uplink-client.ts';
import { TrackProcessorSource, WorkletSource } from './audio-data-source.ts';
import type { AudioDataSource, MasterOutput } from './audio-data-source.ts';
import { chooseCapturePath, opusUnsupportedError, requestedCapturePath } from './capture-path.ts';
import type { CapturePath } from './capture-path.ts';
import { bytesToBase64, durationUsToSamples48k } from './codec-math.ts';

export type { MasterOutput } from './audio-data-source.ts';

export const FRAME_DURATION_US = 20_000;
export const BITRATES_KBPS = [64, 96, 128, 160, 192, 256] as const;
export const DEFAULT_BITRATE_KBPS = 128;

export interface EncoderServiceOptions {
  master: MasterOutput;
  bitrateKbps: number;
  onPacket: (packet: AudioPacket) => void;
  onError: (err: Error) => void;
}

export class EncoderService {
  readonly bitrateKbps: number;
  #opts: EncoderServiceOptions;
  #encoder: AudioEncoder | null = null;
  #source: AudioDataSource | null = null;
  #codec: Promise<CodecConfig>;
  #resolveCodec!: (codec: CodecConfig) => void;
  #rejectCodec!: (err: Error) => void;
  #inputRateHz = 0;
  #channels = 0;
  #stopped = false;
  #failed = false;
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

  /** How the master reaches the encoder here: 'track-processor' or 'worklet' (null before start). */
  get capturePath(): CapturePath | null {
    return this.#source?.path ?? null;
  }

  /**
   * Starts pulling audio from the master. Returns at once; a browser that cannot capture or encode
   * Opus rejects `codec` with STUDIO_BROWSER_UNSUPPORTED naming what is missing.
   */
  start(): void {
    void this.#start().catch((err: Error) => {
      if (!this.#stopped) this.#fail(err);
    });
  }

  async #start(): Promise<void> {
    const g = globalThis as Record<string, unknown>;
    const path = chooseCapturePath({
      hasTrackProcessor: typeof g.MediaStreamTrackProcessor === 'function',
      hasAudioWorklet: typeof g.AudioWorkletNode === 'function',
      hasAudioEncoder: typeof g.AudioEncoder === 'function',
      hasAudioData: typeof g.AudioData === 'function',
    }, requestedCapturePath(globalThis.location?.search ?? ''));
    const rateHz = this.#opts.master.context.sampleRate;
    const support = await AudioEncoder.isConfigSupported(this.#config(rateHz, 2));
    if (!support.supported) throw opusUnsupportedError(rateHz, 2);
    const source = path === 'worklet' ? new WorkletSource(this.#opts.master) : new TrackProcessorSource(this.#opts.master);
    this.#source = source;
    if (this.#stopped) return;
    await source.start((data) => this.#encode(data), (err) => {
      if (!this.#stopped) this.#fail(err);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#source?.stop();
    if (this.#encoder && this.#encoder.state === 'configured') {
      await this.#encoder.flush().catch(ignoreCleanupError); // stopping: what is left unflushed is not sent anyway
      this.#encoder.close();
    }
  }

  #encode(data: AudioData): void {
    try {
      if (this.#stopped || this.#failed) return;
      if (!this.#encoder) this.#configure(data.sampleRate, data.numberOfChannels);
      (this.#encoder as AudioEncoder).encode(data);
    } catch (err) {
      this.#fail(err as Error);
    } finally {
      data.close();
    }
  }

  #config(sampleRateHz: number, channels: number): AudioEncoderConfig {
    return {
      codec: 'opus',
      sampleRate: sampleRateHz,
      numberOfChannels: channels,
      bitrate: this.bitrateKbps * 1000,
      opus: { frameDuration: FRAME_DURATION_US, application: 'audio' },
    } as AudioEncoderConfig;
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
    encoder.configure(this.#config(sampleRateHz, this.#channels));
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
    if (this.#failed) return; // the first failure is the one to report; the capture stops with it
    this.#failed = true;
    void this.#source?.stop();
    this.#rejectCodec(err);
    this.#opts.onError(err);
  }
}
