// AudioWorklet processor that captures the master for the encoder where MediaStreamTrackProcessor is
// missing (Firefox, Safari) or `?capture=worklet` asks for it: it is fed the master (after the clip
// guard) and posts 20 ms blocks of planar PCM, each with its start on the context's frame clock, to
// encode/worklet-capture.ts, which turns them into AudioData. Loaded through Vite's `?worker&url`.

import { CAPTURE_PROCESSOR_NAME, PcmBlockAssembler } from './pcm-blocks.ts';

// AudioWorkletGlobalScope is not in TypeScript's DOM lib; these are the parts used here.
declare const sampleRate: number;
declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new (options: { processorOptions?: { framesPerBlock?: number; channelCount?: number } }) => AudioWorkletProcessor): void;

class CaptureProcessor extends AudioWorkletProcessor {
  #blocks: PcmBlockAssembler;
  #running = true;

  constructor(options: { processorOptions?: { framesPerBlock?: number; channelCount?: number } }) {
    super();
    const framesPerBlock = options.processorOptions?.framesPerBlock ?? Math.round(sampleRate / 50);
    this.#blocks = new PcmBlockAssembler(framesPerBlock, options.processorOptions?.channelCount ?? 2);
    this.port.onmessage = (ev: MessageEvent<'stop'>) => {
      if (ev.data === 'stop') this.#running = false;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (!this.#running) return false;
    for (const block of this.#blocks.add(currentFrame, inputs[0] ?? [])) {
      this.port.postMessage({ startFrame: block.startFrame, sampleRateHz: sampleRate, channels: block.channels }, block.channels.map((c) => c.buffer));
    }
    return true;
  }
}

registerProcessor(CAPTURE_PROCESSOR_NAME, CaptureProcessor);
