// The contract between the ladder (ladder.ts, on the event loop) and an encoder that runs off it: the
// ffmpeg child process (ffmpeg-ladder.ts) or the WebAssembly worker (wasm-ladder.ts). One encoder per
// parent stream: it decodes the parent's bytes once and encodes every rung.
import type { AircheckError } from '../../../shared/src/errors.ts';

/**
 * How long after an encoder starts the next one is got ready (a spare ffmpeg process, a spare
 * worker thread): later, so the spare never competes with the start it follows for the CPU.
 */
export const SPARE_DELAY_MS = 2000;

export interface EncoderInput {
  /** The parent stream's format: what the decoder is set up for. */
  format: 'mp3' | 'ogg-opus' | 'ogg-vorbis';
}

export interface EncoderEvents {
  /** Encoded bytes of rung `rung` (index in the ladder), in order; the encoder's own container (MP3, ADTS, Ogg). */
  output(rung: number, bytes: Uint8Array): void;
  /** The encoder stopped by itself: null after close() once everything is out, else why it failed. Never after kill(). */
  exited(error: AircheckError | null): void;
}

export interface EncoderBackend {
  /** The parent's bytes (MP3 frames, Ogg pages), copied by the caller; never blocks: an encoder that cannot keep up drops the oldest. */
  write(bytes: Uint8Array): void;
  /** No more input: encode what is buffered, then exited(null). */
  close(): void;
  /** Stops at once, no more events. */
  kill(): void;
  /** Parent bytes dropped because the encoder fell behind. */
  readonly droppedBytes: number;
}
