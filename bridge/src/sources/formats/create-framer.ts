// Picks the framer for a source from its declared Content-Type, and sniffs the first body bytes so the
// caller can notice a source whose bytes disagree with its declared type. Fed the source request's
// headers and first bytes by the source handler; feeds it an Mp3Framer or an OggFramer.

import { AircheckError } from '../../../../shared/src/errors.ts';
import type { StreamFramer } from '../../../../shared/src/audio-unit.ts';
import { mpegFrameLength } from '../../../../shared/src/mp3/mp3-framer.ts';
import { framerFor } from '../../../../shared/src/stream-framer.ts';

export type ContainerKind = 'mp3' | 'ogg';

/** Content types accepted from sources, lowercase, without parameters. */
export const SUPPORTED_CONTENT_TYPES: Readonly<Record<string, ContainerKind>> = Object.freeze({
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mpeg3': 'mp3',
  'application/ogg': 'ogg',
  'audio/ogg': 'ogg',
  'audio/opus': 'ogg',
  'audio/vorbis': 'ogg',
  'audio/x-ogg': 'ogg',
});

/** The container for a Content-Type value (RFC 9110 §8.3.1: case-insensitive, parameters ignored), or null. */
export function containerForContentType(contentType: string): ContainerKind | null {
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return Object.hasOwn(SUPPORTED_CONTENT_TYPES, mediaType) ? (SUPPORTED_CONTENT_TYPES[mediaType] as ContainerKind) : null;
}

/** A fresh framer for a source declaring this Content-Type; throws SOURCE_UNSUPPORTED_FORMAT otherwise. */
export function createFramer(contentType: string): StreamFramer {
  const kind = containerForContentType(contentType);
  if (kind) return framerFor(kind);
  const shown = contentType.length > 100 ? `${contentType.slice(0, 100)}…` : contentType;
  throw new AircheckError('SOURCE_UNSUPPORTED_FORMAT',
    `source Content-Type ${JSON.stringify(shown)} is not supported: use one of ${Object.keys(SUPPORTED_CONTENT_TYPES).join(', ')} (MP3, or Ogg carrying Opus or Vorbis)`);
}

/**
 * What the first bytes of a body look like: 'ogg' for the capture pattern 'OggS' (RFC 3533 §6), 'mp3'
 * for an ID3v2 tag or an MPEG audio frame header (confirmed by the next header when the bytes reach
 * it), null when neither or too few bytes. Tells nothing about the codec inside Ogg.
 */
export function sniffFormat(firstBytes: Uint8Array): ContainerKind | null {
  const b = firstBytes;
  if (b.length < 4) return null;
  if (b[0] === 0x4f && b[1] === 0x67 && b[2] === 0x67 && b[3] === 0x53) return 'ogg';
  // ID3v2.4 §3.1: 'ID3', version 2..4, then a syncsafe size once the header is complete.
  if (b[0] === 0x49 && b[1] === 0x44 && b[2] === 0x33 && (b[3] as number) >= 2 && (b[3] as number) <= 4) {
    if (b.length < 10) return 'mp3';
    return b[6]! < 0x80 && b[7]! < 0x80 && b[8]! < 0x80 && b[9]! < 0x80 ? 'mp3' : null;
  }
  const length = mpegFrameLength(b, 0);
  if (length === 0) return null;
  if (b.length < length + 4) return 'mp3';
  return mpegFrameLength(b, length) > 0 ? 'mp3' : null;
}
