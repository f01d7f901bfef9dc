// The two ways the encoder gets the master's PCM as AudioData, behind one small contract (chosen by
// capture-path.ts). Fed by the audio engine's master (its track, or its node and context); feeds
// EncoderService one AudioData at a time, timestamped on the capture clock.

import captureProcessorUrl from '../audio/capture-processor.ts?worker&url';
import { ignoreCleanupError } from '../../../shared/src/errors.ts';
import { CAPTURE_PROCESSOR_NAME, frameToTimestampUs } from '../audio/pcm-blocks.ts';
import type { CapturePath } from './capture-path.ts';

/** The mixed master as the engine hands it to the encoder. */
export interface MasterOutput {
  /** MediaStreamAudioDestinationNode's track (for MediaStreamTrackProcessor). */
  track: MediaStreamTrack;
  context: AudioContext;
  /** The last node of the master chain (for an AudioWorklet tap). */
  node: AudioNode;
}

export interface AudioDataSource {
  readonly path: CapturePath;
  /** Starts delivering; each AudioData is owned (and closed) by onData. */
  start(onData: (data: AudioData) => void, onError: (err: Error) => void): Promise<void>;
  stop(): Promise<void>;
}

// MediaStreamTrackProcessor is not in TypeScript's DOM lib yet (Chromium only, page not worker).
declare const MediaStreamTrackProcessor: {
  new (init: { track: MediaStreamTrack; maxBufferSize?: number }): { readable: ReadableStream<AudioData> };
};

/** Chromium: MediaStreamTrackProcessor on the master track; AudioData as the browser makes it. */
export class TrackProcessorSource implements AudioDataSource {
  readonly path = 'track-processor' as const;
  #track: MediaStreamTrack;
  #reader: ReadableStreamDefaultReader<AudioData> | null = null;
  #stopped = false;

  constructor(master: MasterOutput) {
    this.#track = master.track;
  }

  async start(onData: (data: AudioData) => void, onError: (err: Error) => void): Promise<void> {
    const processor = new MediaStreamTrackProcessor({ track: this.#track });
    this.#reader = processor.readable.getReader();
    void this.#pump(this.#reader, onData, onError);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#reader?.cancel().catch(ignoreCleanupError);
  }

  async #pump(reader: ReadableStreamDefaultReader<AudioData>, onData: (data: AudioData) => void, onError: (err: Error) => void): Promise<void> {
    try {
      for (;;) {
        const { value: data, done } = await reader.read();
        if (done || this.#stopped) {
          data?.close();
          break;
        }
        onData(data);
      }
    } catch (err) {
      if (!this.#stopped) onError(err as Error);
    }
  }
}

interface CaptureBlockMessage {
  startFrame: number;
  sampleRateHz: number;
  channels: Float32Array[];
}

/**
 * Every other browser: an AudioWorklet on the master node posts 20 ms planar blocks; each becomes an
 * AudioData whose timestamp is its first sample's position on the context's frame clock.
 */
export class WorkletSource implements AudioDataSource {
  readonly path = 'worklet' as const;
  #master: MasterOutput;
  #node: AudioWorkletNode | null = null;

  constructor(master: MasterOutput) {
    this.#master = master;
  }

  async start(onData: (data: AudioData) => void, onError: (err: Error) => void): Promise<void> {
    const { context, node: masterNode } = this.#master;
    await context.audioWorklet.addModule(captureProcessorUrl);
    const node = new AudioWorkletNode(context, CAPTURE_PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 2,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      processorOptions: { framesPerBlock: Math.round(context.sampleRate / 50), channelCount: 2 },
    });
    node.port.onmessage = (ev: MessageEvent<CaptureBlockMessage>) => {
      const { startFrame, sampleRateHz, channels } = ev.data;
      const frames = channels[0]?.length ?? 0;
      const planar = new Float32Array(frames * channels.length);
      channels.forEach((ch, i) => planar.set(ch, i * frames));
      let data: AudioData;
      try {
        data = new AudioData({
          format: 'f32-planar',
          sampleRate: sampleRateHz,
          numberOfFrames: frames,
          numberOfChannels: channels.length,
          timestamp: frameToTimestampUs(startFrame, sampleRateHz),
          data: planar,
        });
      } catch (err) {
        onError(err as Error);
        return;
      }
      onData(data);
    };
    node.onprocessorerror = () => onError(new Error('the capture AudioWorklet stopped with an error'));
    masterNode.connect(node);
    this.#node = node;
  }

  async stop(): Promise<void> {
    const node = this.#node;
    if (!node) return;
    this.#node = null;
    try {
      this.#master.node.disconnect(node);
    } catch (err) {
      ignoreCleanupError(err); // already disconnected: nothing to undo
    }
    node.port.postMessage('stop');
    node.port.onmessage = null;
  }
}
