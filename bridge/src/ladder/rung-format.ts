// Pure facts about a rung: its sample rate, the StreamFormat it produces, a framer for its encoder's
// output, and the stream info its mount shows. Used by ladder.ts and the encoders.
import type { StreamFormat, StreamFramer } from '../../../shared/src/audio-unit.ts';
import { Mp3Framer } from '../../../shared/src/mp3/mp3-framer.ts';
import { OggFramer } from '../../../shared/src/ogg/ogg-framer.ts';
import type { RungConfig } from '../../../config/src/config-schema.ts';
import type { StreamInfo } from '../mounts/mount.ts';
import { AdtsFramer } from './adts-framer.ts';

export function rungSampleRate(r: RungConfig): number {
  return r.sample_rate_hz ?? (r.codec === 'opus' ? 48000 : 44100);
}

export function rungFormat(r: RungConfig): StreamFormat {
  switch (r.codec) {
    case 'mp3': return 'mp3';
    case 'aac': return 'aac';
    case 'vorbis': return 'ogg-vorbis';
    case 'opus': return 'ogg-opus';
  }
}

/** True when titles travel as ICY metadata (MP3, AAC); Ogg rungs carry them in their comment header. */
export function rungUsesIcy(r: RungConfig): boolean {
  return r.codec === 'mp3' || r.codec === 'aac';
}

export function rungFramer(r: RungConfig): StreamFramer {
  if (r.codec === 'mp3') return new Mp3Framer();
  if (r.codec === 'aac') return new AdtsFramer();
  return new OggFramer();
}

/** The parent's stream info with the rung's own audio description. */
export function rungInfo(parent: StreamInfo, r: RungConfig): StreamInfo {
  const rate = rungSampleRate(r);
  return {
    ...parent,
    bitrateKbps: r.bitrate_kbps,
    sampleRateHz: rate,
    channels: r.channels,
    audioInfo: `bitrate=${r.bitrate_kbps};samplerate=${rate};channels=${r.channels}`,
  };
}
