// Picks the one stream a mount's player plays, by what this browser says it can play
// (`audio.canPlayType(contentType)`): Opus first (the best sound per bit), then MP3, then the rest.
import type { PublicStream, StreamCodec } from './station-document.ts';

const PREFERENCE: readonly StreamCodec[] = ['opus', 'mp3', 'aac', 'vorbis'];

/** The content type to ask about: Ogg needs its codec named, or "maybe" says nothing about Opus. */
export function playableType(stream: PublicStream): string {
  const type = stream.contentType.split(';')[0]!.trim().toLowerCase();
  if ((type === 'audio/ogg' || type === 'application/ogg') && (stream.codec === 'opus' || stream.codec === 'vorbis')) {
    return `audio/ogg; codecs="${stream.codec}"`;
  }
  return type;
}

/**
 * The stream to play, or null when the browser plays none of them. canPlayType answers
 * "probably", "maybe" or "" (cannot): any playable Opus stream wins, then MP3; among streams of one
 * codec a "probably" beats a "maybe", then the higher bitrate wins.
 */
export function chooseStream(streams: readonly PublicStream[], canPlayType: (type: string) => string): PublicStream | null {
  const rank = (s: PublicStream) => {
    const index = PREFERENCE.indexOf(s.codec);
    return index === -1 ? PREFERENCE.length : index;
  };
  let best: { stream: PublicStream; score: number } | null = null;
  for (const stream of streams) {
    const answer = canPlayType(playableType(stream));
    if (answer !== 'probably' && answer !== 'maybe') continue;
    const score = rank(stream) * 1000 + (answer === 'probably' ? 0 : 500) - Math.min(499, stream.bitrateKbps ?? 0);
    if (!best || score < best.score) best = { stream, score };
  }
  return best?.stream ?? null;
}

/** A short, plain description of a stream: "Opus 96 kbps", "MP3 128 kbps". */
export function streamLabel(stream: PublicStream): string {
  const name = stream.codec === 'mp3' ? 'MP3' : stream.codec === 'aac' ? 'AAC' : stream.codec === 'opus' ? 'Opus' : 'Vorbis';
  return stream.bitrateKbps ? `${name} ${stream.bitrateKbps} kbps` : name;
}
