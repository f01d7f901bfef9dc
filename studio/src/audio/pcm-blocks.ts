// Gathers the AudioWorklet's 128-frame render quanta into capture blocks of a fixed length for the
// encoder (capture-processor.ts feeds it; the blocks go to the main thread and become AudioData).
// Pure: no Web Audio here, so it runs under node's test runner too.

/** The AudioWorkletProcessor's name, shared by the processor and the node that loads it. */
export const CAPTURE_PROCESSOR_NAME = 'aircheck-capture';

/** One block of planar PCM and where its first sample sits on the audio context's frame clock. */
export interface PcmBlock {
  /** The context's `currentFrame` of the block's first sample (the capture clock, in frames). */
  startFrame: number;
  /** One Float32Array per channel, each `framesPerBlock` long. */
  channels: Float32Array[];
}

/** µs of a frame position on a clock running at sampleRateHz: the AudioData timestamp. */
export function frameToTimestampUs(frame: number, sampleRateHz: number): number {
  return Math.round((frame * 1_000_000) / sampleRateHz);
}

export class PcmBlockAssembler {
  readonly framesPerBlock: number;
  readonly channelCount: number;
  #block: Float32Array[];
  #filled = 0;
  #startFrame = 0;
  #nextFrame: number | null = null;

  constructor(framesPerBlock: number, channelCount: number) {
    if (!Number.isInteger(framesPerBlock) || framesPerBlock <= 0) throw new RangeError(`framesPerBlock must be a positive whole number, got ${framesPerBlock}`);
    this.framesPerBlock = framesPerBlock;
    this.channelCount = channelCount;
    this.#block = this.#newBlock();
  }

  /**
   * Adds one render quantum that starts at `frame` on the context clock. An input with fewer
   * channels than channelCount is spread (mono to both sides); none at all is silence. A quantum
   * that does not follow on from the last one (the render thread skipped) starts a new block, the
   * unfinished one padded with silence so timestamps stay true. Returns the blocks completed.
   */
  add(frame: number, input: Float32Array[], quantumFrames = input[0]?.length ?? 128): PcmBlock[] {
    const out: PcmBlock[] = [];
    if (this.#nextFrame !== null && frame !== this.#nextFrame && this.#filled > 0) {
      out.push(this.#take());
    }
    if (this.#filled === 0) this.#startFrame = frame;
    let offset = 0;
    while (offset < quantumFrames) {
      const n = Math.min(quantumFrames - offset, this.framesPerBlock - this.#filled);
      for (let ch = 0; ch < this.channelCount; ch++) {
        const src = input.length === 0 ? null : (input[Math.min(ch, input.length - 1)] as Float32Array);
        if (src) this.#block[ch]!.set(src.subarray(offset, offset + n), this.#filled);
      }
      this.#filled += n;
      offset += n;
      if (this.#filled === this.framesPerBlock) {
        out.push(this.#take());
        this.#startFrame = frame + offset;
      }
    }
    this.#nextFrame = frame + quantumFrames;
    return out;
  }

  #take(): PcmBlock {
    const block = { startFrame: this.#startFrame, channels: this.#block };
    this.#block = this.#newBlock();
    this.#filled = 0;
    return block;
  }

  #newBlock(): Float32Array[] {
    return Array.from({ length: this.channelCount }, () => new Float32Array(this.framesPerBlock));
  }
}
