// Ogg codec headers: identifies the codec from a stream's first packet, parses OpusHead/OpusTags
// (RFC 7845 §5) and the Vorbis identification/comment/setup headers (Vorbis I spec §4.2, §5).
// Fed packets by OggPacketAssembler and the Ogg framer; feeds stream info to mounts and rewritten
// comment packets (now-playing TITLE/ARTIST) to re-chaining and recording.

import { AircheckError } from '../errors.ts';

/** Codecs recognised from the first packet of a logical stream. */
export type OggCodec =
  | 'opus' | 'vorbis' | 'flac' | 'speex' | 'theora' | 'skeleton' | 'celt' | 'kate' | 'pcm'
  | 'dirac' | 'vp8' | 'daala' | 'unknown';

const CODEC_MAGIC: ReadonlyArray<readonly [OggCodec, Uint8Array]> = [
  ['opus', ascii('OpusHead')],
  ['vorbis', ascii('\x01vorbis')],
  ['flac', ascii('\x7fFLAC')],
  ['flac', ascii('fLaC')],
  ['speex', ascii('Speex   ')],
  ['theora', ascii('\x80theora')],
  ['skeleton', ascii('fishead\0')],
  ['celt', ascii('CELT    ')],
  ['kate', ascii('\x80kate\0\0\0')],
  ['pcm', ascii('PCM     ')],
  ['dirac', ascii('BBCD\0')],
  ['vp8', ascii('OVP80')],
  ['daala', ascii('\x80daala')],
];

/** Names the codec of a logical stream from its first (BOS) packet. */
export function identifyOggCodec(firstPacket: Uint8Array): OggCodec {
  for (const [codec, magic] of CODEC_MAGIC) if (startsWith(firstPacket, magic)) return codec;
  return 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Opus (RFC 7845)

const OPUS_HEAD = ascii('OpusHead');
const OPUS_TAGS = ascii('OpusTags');

export interface OpusHead {
  /** RFC 7845 §5.1: the version byte; major version (upper 4 bits) must be 0. */
  version: number;
  channels: number;
  /** Samples at 48 kHz to discard from the decoder output at the start. */
  preSkip: number;
  /** The encoder's input rate, informational only; Opus always decodes (and times granules) at 48 kHz. */
  inputSampleRateHz: number;
  /** Q7.8 dB gain to apply on output. */
  outputGainQ8: number;
  mappingFamily: number;
  /** Present when mappingFamily ≠ 0 (§5.1.1); for family 0 these are implied (1 stream). */
  streamCount: number;
  coupledCount: number;
  channelMapping: Uint8Array;
}

export function isOpusHead(packet: Uint8Array): boolean {
  return startsWith(packet, OPUS_HEAD);
}

export function isOpusTags(packet: Uint8Array): boolean {
  return startsWith(packet, OPUS_TAGS);
}

/** RFC 7845 §5.1. Throws SOURCE_BAD_AUDIO naming the field that is wrong. */
export function parseOpusHead(packet: Uint8Array): OpusHead {
  const bad = (field: string, value: string | number, expected: string): AircheckError =>
    new AircheckError('SOURCE_BAD_AUDIO',
      `OpusHead ${field} is ${value}, expected ${expected} (RFC 7845 §5.1); the encoder wrote a broken Opus header — update or reconfigure it`);
  if (!isOpusHead(packet)) throw bad('magic', quote(packet.subarray(0, 8)), "'OpusHead'");
  if (packet.length < 19) throw bad('length', packet.length, 'at least 19 bytes');
  const version = packet[8] as number;
  if (version >> 4 !== 0) throw bad('version', version, '0..15 (major version 0)');
  const channels = packet[9] as number;
  if (channels === 0) throw bad('channel count', 0, '1..255');
  const preSkip = u16(packet, 10);
  const inputSampleRateHz = u32(packet, 12);
  const outputGainQ8 = (u16(packet, 16) << 16) >> 16;
  const mappingFamily = packet[18] as number;
  let streamCount = 1;
  let coupledCount = channels - 1;
  let channelMapping: Uint8Array;
  if (mappingFamily === 0) {
    if (channels > 2) throw bad('channel count', channels, '1 or 2 for mapping family 0');
    channelMapping = channels === 1 ? new Uint8Array([0]) : new Uint8Array([0, 1]);
  } else {
    // §5.1.1: stream count, coupled count, then one mapping byte per channel.
    if (packet.length < 21 + channels) {
      throw bad('length', packet.length, `${21 + channels} bytes for mapping family ${mappingFamily} with ${channels} channels`);
    }
    streamCount = packet[19] as number;
    coupledCount = packet[20] as number;
    if (streamCount === 0) throw bad('stream count', 0, 'at least 1');
    if (coupledCount > streamCount) throw bad('coupled stream count', coupledCount, `at most the stream count ${streamCount}`);
    if (streamCount + coupledCount > 255) throw bad('stream + coupled count', streamCount + coupledCount, 'at most 255');
    channelMapping = packet.slice(21, 21 + channels);
    for (const index of channelMapping) {
      if (index !== 255 && index >= streamCount + coupledCount) {
        throw bad('channel mapping entry', index, `below ${streamCount + coupledCount} or 255 (silence)`);
      }
    }
  }
  return {
    version, channels, preSkip, inputSampleRateHz, outputGainQ8, mappingFamily, streamCount,
    coupledCount, channelMapping,
  };
}

const SILK_FRAME_SAMPLES = [480, 960, 1920, 2880] as const; // 10/20/40/60 ms
const CELT_FRAME_SAMPLES = [120, 240, 480, 960] as const; // 2.5/5/10/20 ms

/**
 * Samples (at 48 kHz) in one Opus packet, from its TOC byte (RFC 6716 §3.1, frame sizes per §3.1
 * Table 2; frame count code c: 0 → 1 frame, 1 or 2 → 2 frames, 3 → count in the next byte's low 6
 * bits). 0 for an empty or truncated packet.
 */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length === 0) return 0;
  const toc = packet[0] as number;
  const config = toc >> 3;
  let frameSamples: number;
  if (config < 12) frameSamples = SILK_FRAME_SAMPLES[config & 3] as number;
  else if (config < 16) frameSamples = config & 1 ? 960 : 480; // hybrid 10/20 ms
  else frameSamples = CELT_FRAME_SAMPLES[config & 3] as number;
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code !== 3) frames = 2;
  else {
    if (packet.length < 2) return 0;
    frames = (packet[1] as number) & 0x3f;
  }
  return frameSamples * frames;
}

// ---------------------------------------------------------------------------------------------
// Comments: OpusTags (RFC 7845 §5.2) and the Vorbis comment header (Vorbis I spec §5) share a layout.

export interface CommentEntry {
  /** The field name as sent; compare case-insensitively (Vorbis I spec §5.2.2). */
  key: string;
  value: string;
}

export interface CodecComments {
  vendor: string;
  comments: CommentEntry[];
  /**
   * Bytes after the comment list. RFC 7845 §5.2: kept when the first byte's low bit is 1 (binary
   * data editors should preserve); dropped as padding otherwise. Always empty for Vorbis.
   */
  trailing: Uint8Array;
}

const VORBIS_ID = ascii('\x01vorbis');
const VORBIS_COMMENT = ascii('\x03vorbis');
const VORBIS_SETUP = ascii('\x05vorbis');

export function isVorbisIdentification(packet: Uint8Array): boolean {
  return startsWith(packet, VORBIS_ID);
}

export function isVorbisComment(packet: Uint8Array): boolean {
  return startsWith(packet, VORBIS_COMMENT);
}

export function isVorbisSetup(packet: Uint8Array): boolean {
  return startsWith(packet, VORBIS_SETUP);
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** RFC 7845 §5.2. Throws SOURCE_BAD_AUDIO when a length runs past the packet. */
export function parseOpusTags(packet: Uint8Array): CodecComments {
  if (!isOpusTags(packet)) {
    throw new AircheckError('SOURCE_BAD_AUDIO',
      `Opus comment header magic is ${quote(packet.subarray(0, 8))}, expected 'OpusTags' (RFC 7845 §5.2); the second packet of an Ogg Opus stream must be OpusTags — the encoder is broken`);
  }
  const { comments, end, vendor } = readCommentList(packet, 8, 'OpusTags', 'RFC 7845 §5.2');
  const trailing = end < packet.length && ((packet[end] as number) & 1) === 1
    ? packet.slice(end)
    : new Uint8Array(0);
  return { vendor, comments, trailing };
}

/** Builds an OpusTags packet (RFC 7845 §5.2). */
export function writeOpusTags(tags: CodecComments): Uint8Array {
  return writeCommentPacket(OPUS_TAGS, tags, tags.trailing, false);
}

/** Vorbis I spec §5.2.1: comment header after the common '\x03vorbis' header, then a framing bit. */
export function parseVorbisComment(packet: Uint8Array): CodecComments {
  if (!isVorbisComment(packet)) {
    throw new AircheckError('SOURCE_BAD_AUDIO',
      `Vorbis comment header starts ${quote(packet.subarray(0, 7))}, expected '\\x03vorbis' (Vorbis I spec §4.2.1); the second packet of an Ogg Vorbis stream must be the comment header — the encoder is broken`);
  }
  const { comments, end, vendor } = readCommentList(packet, 7, 'Vorbis comment header', 'Vorbis I spec §5.2.1');
  if (end >= packet.length || ((packet[end] as number) & 1) === 0) {
    throw new AircheckError('SOURCE_BAD_AUDIO',
      'Vorbis comment header framing bit is missing (Vorbis I spec §5.2.1); the header is truncated — the encoder is broken');
  }
  return { vendor, comments, trailing: new Uint8Array(0) };
}

/** Builds a Vorbis comment header packet, framing bit included (Vorbis I spec §5.2.1). */
export function writeVorbisComment(tags: CodecComments): Uint8Array {
  return writeCommentPacket(VORBIS_COMMENT, tags, new Uint8Array(0), true);
}

/** First value of a field, case-insensitive; undefined when absent. */
export function getComment(tags: CodecComments, key: string): string | undefined {
  const wanted = key.toUpperCase();
  for (const c of tags.comments) if (c.key.toUpperCase() === wanted) return c.value;
  return undefined;
}

/**
 * A copy of tags with the given fields replaced (every existing entry of that name, any case,
 * removed); null removes a field. Used to inject now-playing TITLE/ARTIST.
 */
export function withComments(
  tags: CodecComments,
  updates: Readonly<Record<string, string | null>>,
): CodecComments {
  const replaced = new Set(Object.keys(updates).map((k) => k.toUpperCase()));
  const comments = tags.comments.filter((c) => !replaced.has(c.key.toUpperCase()));
  for (const [key, value] of Object.entries(updates)) {
    if (value === null) continue;
    if (!isValidCommentKey(key)) {
      throw new RangeError(`comment field name ${JSON.stringify(key)} is invalid: use ASCII 0x20..0x7D without '=' (Vorbis I spec §5.2.1)`);
    }
    comments.push({ key, value });
  }
  return { vendor: tags.vendor, comments, trailing: tags.trailing };
}

function isValidCommentKey(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c > 0x7d || c === 0x3d) return false;
  }
  return true;
}

function readCommentList(
  packet: Uint8Array,
  start: number,
  what: string,
  spec: string,
): { vendor: string; comments: CommentEntry[]; end: number } {
  const truncated = (field: string, need: number, at: number): AircheckError =>
    new AircheckError('SOURCE_BAD_AUDIO',
      `${what} ${field} needs ${need} bytes at offset ${at} but the packet has ${packet.length} (${spec}); the header is truncated or corrupt — check the encoder`);
  let at = start;
  if (at + 4 > packet.length) throw truncated('vendor string length', 4, at);
  const vendorLength = u32(packet, at);
  at += 4;
  if (vendorLength > packet.length - at) throw truncated('vendor string', vendorLength, at);
  const vendor = utf8Decoder.decode(packet.subarray(at, at + vendorLength));
  at += vendorLength;
  if (at + 4 > packet.length) throw truncated('comment count', 4, at);
  const count = u32(packet, at);
  at += 4;
  // Each comment takes at least its 4-byte length: a count larger than that allows is corrupt.
  if (count > (packet.length - at) / 4) {
    throw new AircheckError('SOURCE_BAD_AUDIO',
      `${what} comment count is ${count}, but only ${packet.length - at} bytes follow (${spec}); the header is corrupt — check the encoder`);
  }
  const comments: CommentEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 4 > packet.length) throw truncated(`comment ${i} length`, 4, at);
    const length = u32(packet, at);
    at += 4;
    if (length > packet.length - at) throw truncated(`comment ${i}`, length, at);
    const text = utf8Decoder.decode(packet.subarray(at, at + length));
    at += length;
    const eq = text.indexOf('=');
    // Vorbis I spec §5.2.3: a comment without '=' is malformed; keep it as a key with no value.
    comments.push(eq === -1 ? { key: text, value: '' } : { key: text.slice(0, eq), value: text.slice(eq + 1) });
  }
  return { vendor, comments, end: at };
}

function writeCommentPacket(
  magic: Uint8Array,
  tags: CodecComments,
  trailing: Uint8Array,
  framingBit: boolean,
): Uint8Array {
  const vendor = utf8Encoder.encode(tags.vendor);
  const entries = tags.comments.map((c) => utf8Encoder.encode(`${c.key}=${c.value}`));
  let size = magic.length + 4 + vendor.length + 4 + trailing.length + (framingBit ? 1 : 0);
  for (const e of entries) size += 4 + e.length;
  const out = new Uint8Array(size);
  out.set(magic, 0);
  let at = magic.length;
  putU32(out, at, vendor.length);
  out.set(vendor, at + 4);
  at += 4 + vendor.length;
  putU32(out, at, entries.length);
  at += 4;
  for (const e of entries) {
    putU32(out, at, e.length);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  out.set(trailing, at);
  at += trailing.length;
  if (framingBit) out[at] = 1;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vorbis identification header (Vorbis I spec §4.2.2)

export interface VorbisIdentification {
  channels: number;
  sampleRateHz: number;
  /** Signed; 0 or negative means unset (§4.2.2). */
  bitrateMaximum: number;
  bitrateNominal: number;
  bitrateMinimum: number;
  blocksize0: number;
  blocksize1: number;
}

/** Vorbis I spec §4.2.2. Throws SOURCE_BAD_AUDIO naming the field that is wrong. */
export function parseVorbisIdentification(packet: Uint8Array): VorbisIdentification {
  const bad = (field: string, value: string | number, expected: string): AircheckError =>
    new AircheckError('SOURCE_BAD_AUDIO',
      `Vorbis identification header ${field} is ${value}, expected ${expected} (Vorbis I spec §4.2.2); the encoder wrote a broken Vorbis header — update or reconfigure it`);
  if (!isVorbisIdentification(packet)) throw bad('magic', quote(packet.subarray(0, 7)), "'\\x01vorbis'");
  if (packet.length < 30) throw bad('length', packet.length, '30 bytes');
  const version = u32(packet, 7);
  if (version !== 0) throw bad('vorbis_version', version, '0');
  const channels = packet[11] as number;
  if (channels === 0) throw bad('audio_channels', 0, '1..255');
  const sampleRateHz = u32(packet, 12);
  if (sampleRateHz === 0) throw bad('audio_sample_rate', 0, 'above 0');
  const bitrateMaximum = u32(packet, 16) | 0;
  const bitrateNominal = u32(packet, 20) | 0;
  const bitrateMinimum = u32(packet, 24) | 0;
  const sizes = packet[28] as number;
  const blocksize0 = 1 << (sizes & 0x0f);
  const blocksize1 = 1 << (sizes >> 4);
  const allowed = (n: number): boolean => n >= 64 && n <= 8192;
  if (!allowed(blocksize0) || !allowed(blocksize1) || blocksize0 > blocksize1) {
    throw bad('blocksize pair', `${blocksize0}/${blocksize1}`, 'powers of two in 64..8192 with blocksize_0 ≤ blocksize_1');
  }
  if (((packet[29] as number) & 1) === 0) throw bad('framing bit', 0, '1');
  return { channels, sampleRateHz, bitrateMaximum, bitrateNominal, bitrateMinimum, blocksize0, blocksize1 };
}

// ---------------------------------------------------------------------------------------------

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function startsWith(buf: Uint8Array, prefix: Uint8Array): boolean {
  if (buf.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[i] !== prefix[i]) return false;
  return true;
}

/** A short printable rendering of bytes for error messages. */
function quote(bytes: Uint8Array): string {
  let s = "'";
  for (const b of bytes) s += b >= 0x20 && b < 0x7f && b !== 0x27 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return `${s}'`;
}

function u16(buf: Uint8Array, at: number): number {
  return (buf[at] as number) | ((buf[at + 1] as number) << 8);
}

function u32(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16) |
    ((buf[at + 3] as number) << 24)) >>> 0;
}

function putU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v & 0xff;
  buf[at + 1] = (v >>> 8) & 0xff;
  buf[at + 2] = (v >>> 16) & 0xff;
  buf[at + 3] = (v >>> 24) & 0xff;
}
