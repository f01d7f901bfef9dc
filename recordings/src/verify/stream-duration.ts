// The length of a source's stream kept as received (MP3 frames, Ogg Opus or Vorbis pages, chains
// included), read from the audio itself with the same framers the bridge reads sources with: the
// MPEG frame headers' sample counts, the Ogg granule positions. Pure and incremental. Fed by the
// finalizer (concatenate-stream.ts) and by verification of the stored object (verify-object.ts).
import type { StreamFormat, StreamFramer } from '../../../shared/src/audio-unit.ts';
import { containerOf, framerFor } from '../../../shared/src/stream-framer.ts';

export class StreamDuration {
  readonly #framer: StreamFramer;
  #us = 0;
  #units = 0;

  constructor(format: StreamFormat) {
    const container = containerOf(format);
    if (!container) throw new RangeError(`a ${format} stream cannot be read back: only MP3 and Ogg recordings are kept`);
    this.#framer = framerFor(container);
  }

  /** Throws (SOURCE_BAD_AUDIO) on bytes that are not the stream's format. */
  push(chunk: Uint8Array): void {
    for (const u of this.#framer.push(chunk)) {
      this.#us += u.durationUs;
      this.#units++;
    }
  }

  /** MP3 frames or Ogg pages read so far. */
  get units(): number {
    return this.#units;
  }

  /** The audio read so far, in 48 kHz samples (the unit every manifest counts in). */
  get samples48k(): number {
    return Math.round((this.#us * 48) / 1000);
  }
}
