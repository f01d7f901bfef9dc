// One place that picks the framer for a container: the bridge's source connections and pull relays,
// and the recorder reading a source's stream back (spool recovery, finalize, verification). Pure.
import type { StreamFormat, StreamFramer } from './audio-unit.ts';
import { Mp3Framer } from './mp3/mp3-framer.ts';
import { OggFramer } from './ogg/ogg-framer.ts';

export type FramedContainer = 'mp3' | 'ogg';

/** A fresh framer for MP3 frames or Ogg pages. */
export function framerFor(container: FramedContainer): StreamFramer {
  return container === 'mp3' ? new Mp3Framer() : new OggFramer();
}

/** The container a stream format travels in; null for 'aac' (no framer here: ADTS is the ladder's). */
export function containerOf(format: StreamFormat): FramedContainer | null {
  return format === 'mp3' ? 'mp3' : format === 'aac' ? null : 'ogg';
}
