// The Xing/Info frame with LAME's extension: the first frame of an MP3 file, carrying no audio but the
// frame count, the byte count and the encoder delay and padding, so players know the exact duration
// (gapless playback, seeking) from the head of the file. Pure: values in, bytes out, and back. Written by
// the recording's MP3 rendition (recordings/src/finalize/mp3-rendition.ts), read by its verification
// (recordings/src/verify/mp3-duration.ts).
//
// Layout: the Xing header (Xing Technology's VBR header, as LAME writes it, libmp3lame/VbrTag.c) in the
// ancillary data of a silent Layer III frame, then LAME's "Info Tag" rev 0 (Gabriel Bouvigne, "Mp3
// info tag specifications"). "Info" instead of "Xing" marks a CBR stream. All integers big-endian.

import { mpegFrameInfo } from './mp3-framer.ts';

/** Xing header flags: which optional fields follow. */
export const XING_FLAG_FRAMES = 0x1;
export const XING_FLAG_BYTES = 0x2;
export const XING_FLAG_TOC = 0x4;
export const XING_FLAG_QUALITY = 0x8;
export const XING_TOC_ENTRIES = 100;
/** LAME's extension: version string 9, revision/method 1, lowpass 1, peak 4, two replay gains 2 + 2,
 * flags 1, bitrate 1, delay/padding 3, misc 1, MP3 gain 1, preset 2, music length 4, music CRC 2, tag CRC 2. */
export const LAME_EXTENSION_BYTES = 36;
/** The 12-bit delay and padding fields. */
export const LAME_MAX_DELAY_OR_PADDING = 4095;

/** ISO 11172-3 §2.4.1.7 / 13818-3: Layer III side information bytes, by MPEG-1 vs 2/2.5 and mono vs not. */
export function layer3SideInfoBytes(mpegVersion: 1 | 2 | 2.5, channels: 1 | 2): number {
  if (mpegVersion === 1) return channels === 1 ? 17 : 32;
  return channels === 1 ? 9 : 17;
}

/** Bytes an Info frame with every Xing field and LAME's extension needs (192 for MPEG-1 stereo). */
export function infoFrameMinBytes(mpegVersion: 1 | 2 | 2.5, channels: 1 | 2): number {
  return 4 + layer3SideInfoBytes(mpegVersion, channels) + 4 + 4 + 4 + 4 + XING_TOC_ENTRIES + 4 + LAME_EXTENSION_BYTES;
}

// MPEG-1 Layer III bitrates by index (ISO 11172-3 §2.4.2.3).
const MPEG1_L3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;

/**
 * The size of the Info frame for an MPEG-1 Layer III stream: the stream's own bitrate when its frame
 * (unpadded) holds the Info data, else the smallest bitrate whose frame does (LAME leaves the tag out
 * then; a frame of another bitrate is still a valid frame, and readers take its size from its header).
 */
export function infoFrameLayout(sampleRateHz: 32000 | 44100 | 48000, channels: 1 | 2, bitrateKbps: number): { bitrateIndex: number; frameBytes: number } {
  const need = infoFrameMinBytes(1, channels);
  const start = MPEG1_L3_KBPS.indexOf(bitrateKbps as (typeof MPEG1_L3_KBPS)[number]);
  if (start < 1) throw new RangeError(`infoFrameLayout: ${bitrateKbps} kbps is not an MPEG-1 Layer III bitrate`);
  for (let index = start; index < MPEG1_L3_KBPS.length; index++) {
    const frameBytes = Math.floor((144_000 * (MPEG1_L3_KBPS[index] as number)) / sampleRateHz); // §2.4.3.1, padding bit 0
    if (frameBytes >= need) return { bitrateIndex: index, frameBytes };
  }
  throw new RangeError(`infoFrameLayout: no MPEG-1 Layer III frame at ${sampleRateHz} Hz holds ${need} bytes`);
}

/**
 * CRC-16 as LAME's tag uses it (CRC_update_lookup in libmp3lame; FFmpeg's crcA001): polynomial 0x8005
 * reflected (0xA001), initial value 0, no final xor. Continue with the previous value.
 */
export function crc16Lame(buf: Uint8Array, crc = 0): number {
  let c = crc & 0xffff;
  for (let i = 0; i < buf.length; i++) c = (c >>> 8) ^ (CRC16_TABLE[(c ^ (buf[i] as number)) & 0xff] as number);
  return c;
}

const CRC16_TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

export interface InfoFrameSpec {
  /** The header of the stream's first audio frame (4 bytes): version, sample rate, mode, copyright and original are copied. */
  firstFrameHeader: Uint8Array;
  /** From infoFrameLayout(). */
  bitrateIndex: number;
  frameBytes: number;
  /** Audio frames after this one. */
  frames: number;
  /** This frame plus every audio frame (the file without ID3 tags). */
  streamBytes: number;
  /** Samples the encoder put before the audio (LAME: 576). */
  encoderDelaySamples: number;
  /** Samples after the audio up to the end of the last frame. */
  paddingSamples: number;
  /** crc16Lame() over every audio frame after this one. */
  musicCrc16: number;
  /** Nine characters: "LAME" first, or many decoders ignore the delay and padding (see VbrTag.c). */
  encoderVersion: string;
  /** The stream's CBR bitrate (LAME's "bitrate" byte; 255 and above are stored as 255). */
  bitrateKbps: number;
  /** LAME's lowpass, in Hz (stored in units of 100 Hz); 0 when unknown. */
  lowpassHz?: number;
}

/** A whole "Info" (CBR) frame: an MPEG-1 Layer III frame header, empty side information, the Xing fields and LAME's tag. */
export function writeInfoFrame(spec: InfoFrameSpec): Uint8Array {
  const h = spec.firstFrameHeader;
  const info = mpegFrameInfo(Uint8Array.of(h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0), 0);
  if (!info || info.layer !== 3 || info.mpegVersion !== 1) {
    throw new RangeError('writeInfoFrame: the first frame header is not MPEG-1 Layer III');
  }
  if (!Number.isInteger(spec.encoderDelaySamples) || spec.encoderDelaySamples < 0 || spec.encoderDelaySamples > LAME_MAX_DELAY_OR_PADDING ||
    !Number.isInteger(spec.paddingSamples) || spec.paddingSamples < 0 || spec.paddingSamples > LAME_MAX_DELAY_OR_PADDING) {
    throw new RangeError(`writeInfoFrame: delay ${spec.encoderDelaySamples} and padding ${spec.paddingSamples} must be 0..${LAME_MAX_DELAY_OR_PADDING} (12 bits each)`);
  }
  if (spec.encoderVersion.length !== 9 || !/^[\x20-\x7e]+$/.test(spec.encoderVersion)) {
    throw new RangeError(`writeInfoFrame: the encoder version "${spec.encoderVersion}" must be 9 ASCII characters`);
  }
  const out = new Uint8Array(spec.frameBytes);
  if (spec.frameBytes < infoFrameMinBytes(1, info.channels)) throw new RangeError(`writeInfoFrame: ${spec.frameBytes} bytes cannot hold the Info data`);
  const view = new DataView(out.buffer);
  // ISO 11172-3 §2.4.1.3: sync, ID 1, layer '01', protection_bit 1 (no CRC); bitrate index, same sample
  // rate, padding 0, private bit kept; mode, copyright, original, emphasis kept, mode extension 0.
  out[0] = 0xff;
  out[1] = 0xfb;
  out[2] = (spec.bitrateIndex << 4) | ((h[2] as number) & 0x0d);
  out[3] = (h[3] as number) & 0xcf;
  if (mpegFrameInfo(out, 0)?.lengthBytes !== spec.frameBytes) {
    throw new RangeError(`writeInfoFrame: bitrate index ${spec.bitrateIndex} does not give a ${spec.frameBytes}-byte frame (use infoFrameLayout)`);
  }
  let at = 4 + layer3SideInfoBytes(1, info.channels); // the side information stays zero: no audio
  at = ascii(out, at, 'Info');
  view.setUint32(at, XING_FLAG_FRAMES | XING_FLAG_BYTES | XING_FLAG_TOC | XING_FLAG_QUALITY);
  view.setUint32(at + 4, spec.frames);
  view.setUint32(at + 8, spec.streamBytes);
  at += 12;
  // TOC: byte offset (in 1/256 of the stream) of each percent of the duration; linear for CBR.
  for (let i = 0; i < XING_TOC_ENTRIES; i++) out[at + i] = Math.floor((256 * i) / XING_TOC_ENTRIES);
  at += XING_TOC_ENTRIES;
  view.setUint32(at, 0); // quality indicator: LAME's quality setting, which wasm-media-encoders does not expose
  at += 4;
  // LAME's extension.
  at = ascii(out, at, spec.encoderVersion);
  out[at++] = 0x01; // revision 0, method 1: constant bitrate
  out[at++] = Math.min(255, Math.round((spec.lowpassHz ?? 0) / 100));
  at += 4 + 2 + 2; // peak amplitude, radio and audiophile replay gain: not measured
  out[at++] = 0; // encoding flags, ATH type: unknown
  out[at++] = Math.min(255, spec.bitrateKbps);
  out[at++] = spec.encoderDelaySamples >> 4;
  out[at++] = ((spec.encoderDelaySamples & 0x0f) << 4) | (spec.paddingSamples >> 8);
  out[at++] = spec.paddingSamples & 0xff;
  // Misc: source rate 48 kHz (bits 6-7 = 2) when so; stereo mode mono 0 / joint 3 / stereo 1.
  const mode = (h[3] as number) >> 6;
  const stereoMode = mode === 3 ? 0 : mode === 1 ? 3 : mode === 2 ? 2 : 1;
  out[at++] = (stereoMode << 2) | (info.sampleRateHz === 48000 ? 2 << 6 : info.sampleRateHz === 44100 ? 1 << 6 : 0);
  out[at++] = 0; // MP3 gain
  at += 2; // preset and surround: none
  view.setUint32(at, spec.streamBytes); // music length: the stream with this frame, without tags
  view.setUint16(at + 4, spec.musicCrc16 & 0xffff);
  at += 6;
  view.setUint16(at, crc16Lame(out.subarray(0, at))); // the tag's CRC: every byte of the frame before it
  return out;
}

function ascii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** What a Xing/Info frame says; null fields were not present. */
export interface InfoFrame {
  /** 'Info' marks CBR, 'Xing' VBR. */
  tag: 'Info' | 'Xing';
  /** Audio frames after this one. */
  frames: number | null;
  /** The stream's bytes, this frame included. */
  streamBytes: number | null;
  /** LAME's extension, when its version string starts with "LAME", "Lavf" or "Lavc" (as FFmpeg checks). */
  lame: LameExtension | null;
}

export interface LameExtension {
  encoderVersion: string;
  encoderDelaySamples: number;
  paddingSamples: number;
  musicLengthBytes: number;
  musicCrc16: number;
  /** The tag's CRC matches the bytes before it. */
  tagCrcValid: boolean;
}

/** Whether the Layer III frame at frame[0] carries a Xing/Info header (a file's header frame, no audio). Cheap. */
export function isInfoFrame(frame: Uint8Array): boolean {
  const info = mpegFrameInfo(frame, 0);
  if (!info || info.layer !== 3) return false;
  const at = 4 + layer3SideInfoBytes(info.mpegVersion, info.channels);
  const [a, b, c, d] = [frame[at], frame[at + 1], frame[at + 2], frame[at + 3]];
  return (a === 0x49 && b === 0x6e && c === 0x66 && d === 0x6f) || (a === 0x58 && b === 0x69 && c === 0x6e && d === 0x67); // "Info", "Xing"
}

/**
 * Reads the Xing/Info header in the Layer III frame at frame[0] (the whole frame). A string when there
 * is none or it is cut short. The frame's own header must already have been checked (mpegFrameInfo).
 */
export function parseInfoFrame(frame: Uint8Array): InfoFrame | string {
  const info = mpegFrameInfo(frame, 0);
  if (!info || info.layer !== 3) return 'not a Layer III frame';
  let at = 4 + layer3SideInfoBytes(info.mpegVersion, info.channels);
  const tagText = String.fromCharCode(...frame.subarray(at, at + 4));
  if (tagText !== 'Info' && tagText !== 'Xing') return `no Xing or Info header in the first frame (bytes ${at}..${at + 3} are ${hex(frame.subarray(at, at + 4))})`;
  if (frame.length < at + 8) return 'the Xing header is cut short';
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const flags = view.getUint32(at + 4);
  at += 8;
  const fieldBytes = (flags & XING_FLAG_FRAMES ? 4 : 0) + (flags & XING_FLAG_BYTES ? 4 : 0) +
    (flags & XING_FLAG_TOC ? XING_TOC_ENTRIES : 0) + (flags & XING_FLAG_QUALITY ? 4 : 0);
  if (frame.length < at + fieldBytes) return `the Xing header (flags 0x${flags.toString(16)}) needs ${at + fieldBytes} bytes, the frame has ${frame.length}`;
  let frames: number | null = null;
  let streamBytes: number | null = null;
  if (flags & XING_FLAG_FRAMES) {
    frames = view.getUint32(at);
    at += 4;
  }
  if (flags & XING_FLAG_BYTES) {
    streamBytes = view.getUint32(at);
    at += 4;
  }
  if (flags & XING_FLAG_TOC) at += XING_TOC_ENTRIES;
  if (flags & XING_FLAG_QUALITY) at += 4;
  let lame: LameExtension | null = null;
  if (frame.length >= at + LAME_EXTENSION_BYTES) {
    const encoderVersion = String.fromCharCode(...frame.subarray(at, at + 9));
    if (/^(LAME|Lavf|Lavc)/.test(encoderVersion)) {
      const d = at + 21;
      const b0 = frame[d] as number;
      const b1 = frame[d + 1] as number;
      const b2 = frame[d + 2] as number;
      lame = {
        encoderVersion: encoderVersion.replace(/\0+$/, ''),
        encoderDelaySamples: (b0 << 4) | (b1 >> 4),
        paddingSamples: ((b1 & 0x0f) << 8) | b2,
        musicLengthBytes: view.getUint32(at + 28),
        musicCrc16: view.getUint16(at + 32),
        tagCrcValid: crc16Lame(frame.subarray(0, at + 34)) === view.getUint16(at + 34),
      };
    }
  }
  return { tag: tagText, frames, streamBytes, lame };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
