// What a stream says about itself in its own headers, as Icecast reports it in status-json.xsl:
// nominal bitrate, channels and sample rate (Vorbis identification header, MP3 frame header), the
// Ogg codec name (`subtype`) and the TITLE/ARTIST comments kept apart. Pure: bytes of one AudioUnit
// in, facts out. Fed by mounts/mount.ts as units are appended; feeds admin/status.ts.
import { parseOggPage } from '../../../../shared/src/ogg/ogg-page.ts';
import {
  getComment,
  isOpusHead,
  isOpusTags,
  isVorbisComment,
  isVorbisIdentification,
  parseOpusTags,
  parseVorbisComment,
  parseVorbisIdentification,
  type CodecComments,
} from '../../../../shared/src/ogg/codec-headers.ts';
import { mpegFrameInfo } from '../../../../shared/src/mp3/mp3-framer.ts';
import { parseInfoFrame } from '../../../../shared/src/mp3/mp3-info-frame.ts';

/** Nominal audio facts; null where the stream does not say. */
export interface NominalAudio {
  /** Icecast's `subtype`: the Ogg codec ('Vorbis', 'Opus'); null for MP3 (Icecast gives none). */
  subtype: string | null;
  /** Bits per second the encoder aims at (not a measurement). */
  bitrateBps: number | null;
  channels: number | null;
  sampleRateHz: number | null;
}

/** TITLE and ARTIST of an Ogg comment header, each '' when absent. */
export interface CommentTags {
  title: string;
  artist: string;
}

/**
 * The nominal facts in one MP3 frame's header (ISO 11172-3 §2.4.1.3): its bitrate, sample rate and
 * channels — exact for CBR, the first frame's for VBR. A Xing/Info frame (which carries the stream's
 * summary, not audio) and anything that is not a frame give null, so the caller waits for the next.
 */
export function nominalFromMp3Frame(frame: Uint8Array): NominalAudio | null {
  const info = mpegFrameInfo(frame, 0);
  if (!info || info.bitrateKbps <= 0) return null;
  if (info.layer === 3 && typeof parseInfoFrame(frame) !== 'string') return null;
  return { subtype: null, bitrateBps: info.bitrateKbps * 1000, channels: info.channels, sampleRateHz: info.sampleRateHz };
}

/** The first complete packet that starts on an Ogg page (after the tail of a continued one). */
function firstPacket(page: Uint8Array): Uint8Array | null {
  let parsed;
  try {
    parsed = parseOggPage(page, 0);
  } catch {
    return null;
  }
  if (!parsed) return null;
  const { packets, continued, lastPacketComplete } = parsed.page;
  const index = continued ? 1 : 0;
  const packet = packets[index];
  if (!packet || (index === packets.length - 1 && !lastPacketComplete)) return null;
  return packet;
}

/**
 * The nominal facts of an Ogg stream from its BOS header page. Vorbis: the identification header's
 * channels, rate and bitrate_nominal (Vorbis I spec §4.2.2; 0 or less means unset). Opus: only the
 * codec name, as Icecast 2.4 reports it. Other pages give null.
 */
export function nominalFromOggHeaderPage(page: Uint8Array): NominalAudio | null {
  const packet = firstPacket(page);
  if (!packet) return null;
  if (isVorbisIdentification(packet)) {
    let id;
    try {
      id = parseVorbisIdentification(packet);
    } catch {
      return null;
    }
    return { subtype: 'Vorbis', bitrateBps: id.bitrateNominal > 0 ? id.bitrateNominal : null, channels: id.channels, sampleRateHz: id.sampleRateHz };
  }
  if (isOpusHead(packet)) return { subtype: 'Opus', bitrateBps: null, channels: null, sampleRateHz: null };
  return null;
}

/** TITLE and ARTIST of the comment header (Vorbis I spec §5.2, RFC 7845 §5.2) on this page, or null. */
export function commentTagsFromOggHeaderPage(page: Uint8Array): CommentTags | null {
  const packet = firstPacket(page);
  if (!packet) return null;
  let tags: CodecComments;
  try {
    if (isVorbisComment(packet)) tags = parseVorbisComment(packet);
    else if (isOpusTags(packet)) tags = parseOpusTags(packet);
    else return null;
  } catch {
    return null;
  }
  return { title: getComment(tags, 'TITLE') ?? '', artist: getComment(tags, 'ARTIST') ?? '' };
}
