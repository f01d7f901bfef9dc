// StreamFramer for MPEG audio (MP3; Layer I/II too): one AudioUnit per frame, forwarded byte for byte,
// skipping ID3v2/ID3v1/APE tags. Fed the decoded request body by the source connection
// (bridge/src/sources/) and LAME's output by the Opus → MP3 transcoder (opus-to-mp3.ts); feeds the
// pacer and the mount registry, and the transcoder's users.
//
// Hand-written rather than codec-parser: we need only the 4-byte header (ISO/IEC 11172-3 §2.4.1.3,
// 13818-3 §2.4.1.3, MPEG 2.5 as LAME/Fraunhofer define it), zero-copy views into the caller's chunk and
// a bounded carry buffer; codec-parser copies frames, parses more than we use and has its own buffering.

import { AircheckError } from '../errors.ts';
import { CarryBuffer } from '../audio-unit.ts';
import type { AudioUnit, StreamFormat, StreamFramer, UnitScanner } from '../audio-unit.ts';

/** Garbage (bytes not part of a frame or tag) tolerated between two frames. */
export const MP3_MAX_GARBAGE_BYTES = 64 * 1024;

// Bitrates in kbps by [table][bitrate_index]; index 0 is free format (unsupported), 15 is forbidden.
// ISO 11172-3 §2.4.2.3 (MPEG-1) and ISO 13818-3 §2.4.2.3 (MPEG-2 LSF, also used by MPEG 2.5).
const BITRATES: readonly (readonly number[])[] = [
  [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0], // MPEG-1 Layer I
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0], // MPEG-1 Layer II
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0], // MPEG-1 Layer III
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0], // MPEG-2/2.5 Layer I
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0], // MPEG-2/2.5 Layer II and III
];
// Sample rates by version bits (00 = 2.5, 01 reserved, 10 = MPEG-2, 11 = MPEG-1) and index.
const SAMPLE_RATES: readonly (readonly number[])[] = [
  [11025, 12000, 8000], [], [22050, 24000, 16000], [44100, 48000, 32000],
];

/** The largest frame (MPEG-2 Layer II, 160 kbps at 8 kHz, padded: 2881 bytes) plus a following header. */
const MAX_CANDIDATE_BYTES = 4096;

/**
 * Length in bytes of the frame whose header is at buf[at], or 0 when those 4 bytes are not a valid
 * header (sync, version, layer, bitrate, sample rate, emphasis) or not all present.
 */
export function mpegFrameLength(buf: Uint8Array, at: number): number {
  if (at + 4 > buf.length) return 0;
  const b1 = buf[at + 1] as number;
  const b2 = buf[at + 2] as number;
  // §2.4.2.3: syncword (11 bits in MPEG 2.5), then ID, layer.
  if (buf[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return 0;
  const version = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  if (version === 1 || layerBits === 0) return 0;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return 0;
  if (((buf[at + 3] as number) & 3) === 2) return 0; // emphasis '10' is reserved
  const layer = 4 - layerBits;
  const bitrate = (BITRATES[bitrateTable(version, layer)] as readonly number[])[bitrateIndex] as number;
  const sampleRate = (SAMPLE_RATES[version] as readonly number[])[rateIndex] as number;
  const padding = (b2 >> 1) & 1;
  // §2.4.3.1: frame length from the slot count (Layer I slots are 4 bytes).
  if (layer === 1) return (Math.floor((12000 * bitrate) / sampleRate) + padding) * 4;
  const perFrame = layer === 3 && version !== 3 ? 72000 : 144000;
  return Math.floor((perFrame * bitrate) / sampleRate) + padding;
}

function bitrateTable(version: number, layer: number): number {
  return version === 3 ? layer - 1 : layer === 1 ? 3 : 4;
}

/** What the 4-byte header of one MPEG audio frame says (ISO 11172-3 §2.4.1.3, §2.4.2.3). */
export interface MpegFrameInfo {
  lengthBytes: number;
  mpegVersion: 1 | 2 | 2.5;
  /** 1, 2 or 3. */
  layer: number;
  bitrateKbps: number;
  sampleRateHz: number;
  /** Channel mode '11' (single channel) is 1, every other mode 2. */
  channels: 1 | 2;
  /** Layer I 384, Layer II 1152, Layer III 1152 (MPEG-1) or 576 (MPEG-2/2.5, 13818-3 §2.4.3.1). */
  samplesPerFrame: number;
  /** The protection bit is 0: a 16-bit CRC follows the header. */
  hasCrc: boolean;
}

/** The frame whose header is at buf[at], or null when mpegFrameLength() finds no valid header there. */
export function mpegFrameInfo(buf: Uint8Array, at: number): MpegFrameInfo | null {
  const lengthBytes = mpegFrameLength(buf, at);
  if (lengthBytes === 0) return null;
  const b1 = buf[at + 1] as number;
  const b2 = buf[at + 2] as number;
  const version = (b1 >> 3) & 3;
  const layer = 4 - ((b1 >> 1) & 3);
  return {
    lengthBytes,
    mpegVersion: version === 3 ? 1 : version === 2 ? 2 : 2.5,
    layer,
    bitrateKbps: (BITRATES[bitrateTable(version, layer)] as readonly number[])[b2 >> 4] as number,
    sampleRateHz: (SAMPLE_RATES[version] as readonly number[])[(b2 >> 2) & 3] as number,
    channels: ((buf[at + 3] as number) >> 6) === 3 ? 1 : 2,
    samplesPerFrame: layer === 1 ? 384 : layer === 3 && version !== 3 ? 576 : 1152,
    hasCrc: (b1 & 1) === 0,
  };
}

/** Bits that must stay the same from frame to frame of one stream: version, layer, sample rate. */
function streamKey(buf: Uint8Array, at: number): number {
  return (((buf[at + 1] as number) & 0x1e) << 8) | ((buf[at + 2] as number) & 0x0c);
}

const ID3V2_MAGIC = [0x49, 0x44, 0x33] as const; // 'ID3'
const ID3V1_MAGIC = [0x54, 0x41, 0x47] as const; // 'TAG'
const APE_MAGIC = [0x41, 0x50, 0x45, 0x54, 0x41, 0x47, 0x45, 0x58] as const; // 'APETAGEX'

/** Size of an ID3v2 tag at buf[at] (ID3v2.4 §3.1: 10-byte header, syncsafe size, optional footer), -1 if absent, 0 if undecided. */
export function id3v2Size(buf: Uint8Array, at: number): number {
  const avail = buf.length - at;
  for (let k = 0; k < 3 && k < avail; k++) if (buf[at + k] !== ID3V2_MAGIC[k]) return -1;
  if (avail < 10) return 0;
  const major = buf[at + 3] as number;
  if (major < 2 || major > 4 || buf[at + 4] === 0xff) return -1;
  const flags = buf[at + 5] as number;
  if ((flags & 0x0f) !== 0) return -1;
  let size = 0;
  for (let k = 6; k < 10; k++) {
    const b = buf[at + k] as number;
    if (b >= 0x80) return -1;
    size = size * 128 + b;
  }
  return 10 + size + (major === 4 && (flags & 0x10) !== 0 ? 10 : 0);
}

/** Size of an ID3v1 tag ('TAG', 128 bytes) or Enhanced tag ('TAG+', 227 bytes) at buf[at]; -1 / 0 as above. */
function id3v1Size(buf: Uint8Array, at: number): number {
  const avail = buf.length - at;
  for (let k = 0; k < 3 && k < avail; k++) if (buf[at + k] !== ID3V1_MAGIC[k]) return -1;
  if (avail < 4) return 0;
  return buf[at + 3] === 0x2b ? 227 : 128;
}

/**
 * Size of an APE tag header or footer at buf[at] ('APETAGEX', APEv2 spec): for a header, the whole
 * tag (32 + size); for a footer, only its 32 bytes (the items before it were skipped as garbage).
 */
function apeSize(buf: Uint8Array, at: number): number {
  const avail = buf.length - at;
  for (let k = 0; k < 8 && k < avail; k++) if (buf[at + k] !== APE_MAGIC[k]) return -1;
  if (avail < 32) return 0;
  const version = u32le(buf, at + 8);
  if (version !== 1000 && version !== 2000) return -1;
  const size = u32le(buf, at + 12);
  const isHeader = (u32le(buf, at + 20) & 0x20000000) !== 0;
  return isHeader ? 32 + size : 32;
}

function u32le(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16) |
    ((buf[at + 3] as number) << 24)) >>> 0;
}

/** Tag size at buf[at] if one starts there: >0 size, 0 undecided (need more bytes), -1 none. */
function tagSize(buf: Uint8Array, at: number): number {
  switch (buf[at]) {
    case 0x49: return id3v2Size(buf, at);
    case 0x54: return id3v1Size(buf, at);
    case 0x41: return apeSize(buf, at);
    default: return -1;
  }
}

/**
 * One AudioUnit per MPEG audio frame, every one a sync point. While hunting for sync a header is
 * trusted only when the next frame's header follows it with the same version, layer and sample rate;
 * once locked, frames are taken back to back. Tags (ID3v2 at the start or between frames, ID3v1,
 * APE) are skipped without buffering. Throws SOURCE_BAD_AUDIO after 64 KiB without a frame.
 */
export class Mp3Framer implements StreamFramer, UnitScanner {
  #format: StreamFormat | null = null;
  #sampleRateHz = 0;
  #channels = 0;
  #bitrateKbps = 0;
  #mpegVersion: 1 | 2 | 2.5 = 1;
  #layer = 0;
  readonly #carry = new CarryBuffer(MAX_CANDIDATE_BYTES);
  /** Frames follow each other back to back with this stream key; -1 while hunting for sync. */
  #lockedKey = -1;
  /** At the start of the stream or right after a frame or tag: where tags may begin. */
  #atBoundary = true;
  #tagBytesLeft = 0;
  #garbageBytes = 0;
  #garbageStart: Uint8Array | null = null;
  /** Sub-microsecond remainder, in 1/sampleRate µs, so frame durations add up exactly. */
  #remainder = 0;

  /** 'mp3' once the first frame has been confirmed. */
  get format(): StreamFormat | null {
    return this.#format;
  }

  /** Of the last frame; 0 before the first. */
  get sampleRateHz(): number {
    return this.#sampleRateHz;
  }

  get channels(): number {
    return this.#channels;
  }

  get bitrateKbps(): number {
    return this.#bitrateKbps;
  }

  get mpegVersion(): 1 | 2 | 2.5 {
    return this.#mpegVersion;
  }

  /** 1, 2 or 3; 0 before the first frame. */
  get layer(): number {
    return this.#layer;
  }

  push(chunk: Uint8Array): AudioUnit[] {
    const out: AudioUnit[] = [];
    this.#carry.push(chunk, this, out);
    return out;
  }

  /** @internal UnitScanner: bytes the candidate at buf[0] needs before scan() can decide. */
  need(buf: Uint8Array): number {
    switch (buf[0]) {
      case 0xff: {
        const length = mpegFrameLength(buf, 0);
        if (length === 0) return 4;
        return this.#lockedKey === streamKey(buf, 0) ? length : length + 4;
      }
      case 0x49: return 10;
      case 0x54: return 4;
      case 0x41: return 32;
      default: return 4;
    }
  }

  /** @internal UnitScanner: frames and tags from buf[0]; garbage skipped until the next confirmed frame. */
  scan(buf: Uint8Array, out: AudioUnit[]): number {
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      if (this.#tagBytesLeft > 0) {
        const k = Math.min(this.#tagBytesLeft, n - pos);
        this.#tagBytesLeft -= k;
        pos += k;
        continue;
      }
      if (buf[pos] === 0xff) {
        if (n - pos < 4) {
          // Decide early on the bytes present so a lone 0xff in garbage is not carried for long.
          if (n - pos < 2 || ((buf[pos + 1] as number) & 0xe0) === 0xe0) return pos;
        } else {
          const length = mpegFrameLength(buf, pos);
          if (length > 0) {
            const key = streamKey(buf, pos);
            if (key === this.#lockedKey) {
              if (n - pos < length) return pos;
              this.#emit(buf, pos, length, out);
              pos += length;
              continue;
            }
            // Hunting for sync: trust a header only when the next frame's header follows it.
            if (n - pos < length + 4) return pos;
            if (mpegFrameLength(buf, pos + length) > 0 && streamKey(buf, pos + length) === key) {
              this.#lockedKey = key;
              this.#emit(buf, pos, length, out);
              pos += length;
              continue;
            }
          }
        }
      } else if (this.#atBoundary) {
        const size = tagSize(buf, pos);
        if (size === 0) return pos;
        if (size > 0) {
          this.#tagBytesLeft = size;
          continue;
        }
      }
      // Garbage: lose sync and hunt for the next 0xff.
      let next = buf.indexOf(0xff, pos + 1);
      if (next === -1) next = n;
      this.#skipGarbage(buf, pos, next);
      pos = next;
    }
    return pos;
  }

  #emit(buf: Uint8Array, at: number, length: number, out: AudioUnit[]): void {
    const info = mpegFrameInfo(buf, at) as MpegFrameInfo;
    const sampleRate = info.sampleRateHz;
    if (sampleRate !== this.#sampleRateHz) this.#remainder = 0;
    this.#sampleRateHz = sampleRate;
    this.#channels = info.channels;
    this.#bitrateKbps = info.bitrateKbps;
    this.#mpegVersion = info.mpegVersion;
    this.#layer = info.layer;
    this.#format = 'mp3';
    const scaled = info.samplesPerFrame * 1_000_000 + this.#remainder;
    const durationUs = Math.floor(scaled / sampleRate);
    this.#remainder = scaled - durationUs * sampleRate;
    this.#atBoundary = true;
    this.#garbageBytes = 0;
    this.#garbageStart = null;
    out.push({ data: buf.subarray(at, at + length), durationUs, isHeader: false, isSyncPoint: true, newStream: false });
  }

  #skipGarbage(buf: Uint8Array, from: number, to: number): void {
    this.#lockedKey = -1;
    this.#atBoundary = false;
    if (this.#garbageStart === null) this.#garbageStart = buf.slice(from, Math.min(to, from + 8));
    this.#garbageBytes += to - from;
    if (this.#garbageBytes > MP3_MAX_GARBAGE_BYTES) {
      throw new AircheckError('SOURCE_BAD_AUDIO',
        `no valid MPEG audio frame in ${this.#garbageBytes} bytes (limit ${MP3_MAX_GARBAGE_BYTES}): expected frames starting with the 11-bit sync 0xFFE followed by a valid header (ISO 11172-3 §2.4.1.3), the data starts ${describeBytes(this.#garbageStart)}; send MP3 (free-format bitrate is not supported), or declare the right Content-Type`);
    }
  }
}

function describeBytes(bytes: Uint8Array | null): string {
  if (bytes === null || bytes.length === 0) return '(nothing)';
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const looksOgg = bytes[0] === 0x4f && bytes[1] === 0x67 && bytes[2] === 0x67 && bytes[3] === 0x53;
  return looksOgg ? `${hex} (looks like Ogg: declare Content-Type application/ogg)` : hex;
}
