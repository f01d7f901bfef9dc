// AudioWorklet processor behind every meter (channel strips, master): it sees the audio a meter node
// is fed, and posts a MeterReading to the main thread every ~50 ms. Loaded by audio-engine.ts through
// Vite's `?worker&url` (bundled into one file with meter-math.ts). No output: a pure sink.

import { METER_PROCESSOR_NAME, MeterAccumulator } from './meter-math.ts';

// AudioWorkletGlobalScope is not in TypeScript's DOM lib; these are the parts used here.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new (options: { processorOptions?: { windowMs?: number } }) => AudioWorkletProcessor): void;

class MeterProcessor extends AudioWorkletProcessor {
  #meter: MeterAccumulator;

  constructor(options: { processorOptions?: { windowMs?: number } }) {
    super();
    const windowMs = options.processorOptions?.windowMs ?? 50;
    this.#meter = new MeterAccumulator(Math.round((sampleRate * windowMs) / 1000));
  }

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0];
    // An unconnected input has no channels: it reads as silence, so the meter still falls.
    const reading = this.#meter.add(input && input.length > 0 ? input : [new Float32Array(128)]);
    if (reading) this.port.postMessage(reading);
    return true;
  }
}

registerProcessor(METER_PROCESSOR_NAME, MeterProcessor);
