// Binary audio frames of the studio WebSocket (shared/PROTOCOL.md §5): a 16-byte header and one Opus
// packet. The studio encodes one per WebCodecs EncodedAudioChunk; the bridge decodes them and feeds
// the frame sequencer (bridge/src/shows/frame-sequencer.ts). Pure: bytes in, values out.

import { AircheckError } from '../errors.ts';
import { opusPacketSamples } from '../ogg/codec-headers.ts';

/** PROTOCOL.md §5.1: byte 0 of every frame. */
export const AUDIO_FRAME_VERSION = 1;
export const AUDIO_FRAME_HEADER_BYTES = 16;
/** Flag bit: the capture clock jumped (encoder restarted); timestampUs does not follow on from the previous frame. */
export const AUDIO_FRAME_FLAG_DISCONTINUITY = 0x01;
/** Flag bits version 1 defines; the others must be 0. */
export const AUDIO_FRAME_KNOWN_FLAGS = AUDIO_FRAME_FLAG_DISCONTINUITY;
/**
 * The largest Opus packet a frame may carry: 60 ms at 510 kbps (3 × 1275 bytes, the largest Opus
 * frame, RFC 6716 §3.2.1). Also within opus-decoder's input buffer (3840 bytes per channel).
 */
export const MAX_OPUS_PACKET_BYTES = 3825;
export const MAX_AUDIO_FRAME_BYTES = AUDIO_FRAME_HEADER_BYTES + MAX_OPUS_PACKET_BYTES;
/** Frame durations in samples at 48 kHz: 2.5 ms (120) up to 60 ms (2880). */
export const MIN_FRAME_DURATION_SAMPLES = 120;
export const MAX_FRAME_DURATION_SAMPLES = 2880;
export const MAX_SEQ = 0xffff_ffff;

export interface AudioFrame {
  /** 0, 1, 2, … contiguous for the session (uint32). */
  seq: number;
  /** Capture-clock time of the frame's first sample, in µs (an integer; may be negative). */
  timestampUs: number;
  /** Samples per channel at 48 kHz (960 for 20 ms). */
  durationSamples: number;
  /** AUDIO_FRAME_FLAG_* bits. */
  flags: number;
  /** One Opus packet. From decodeAudioFrame: a view into the bytes given (no copy). */
  packet: Uint8Array;
}

export type AudioFrameInit = Omit<AudioFrame, 'flags'> & { flags?: number };

const FIX = 'see shared/PROTOCOL.md §5';

/** PROTOCOL.md §5.1: writes the header and the packet into one new message. */
export function encodeAudioFrame(frame: AudioFrameInit): Uint8Array {
  const flags = frame.flags ?? 0;
  checkFields(frame.seq, frame.timestampUs, frame.durationSamples, flags);
  checkPacketLength(frame.packet.length, AUDIO_FRAME_HEADER_BYTES + frame.packet.length);
  checkDeclaredDuration(frame.durationSamples, frame.packet);
  const out = new Uint8Array(AUDIO_FRAME_HEADER_BYTES + frame.packet.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, AUDIO_FRAME_VERSION);
  view.setUint8(1, flags);
  view.setUint32(2, frame.seq, true);
  view.setFloat64(6, frame.timestampUs, true);
  view.setUint16(14, frame.durationSamples, true);
  out.set(frame.packet, AUDIO_FRAME_HEADER_BYTES);
  return out;
}

/**
 * PROTOCOL.md §5.1–5.2: reads one binary message. Throws STUDIO_MESSAGE_TOO_LARGE for a frame over
 * MAX_AUDIO_FRAME_BYTES and STUDIO_MESSAGE_MALFORMED for anything else wrong with it.
 */
export function decodeAudioFrame(message: Uint8Array | ArrayBuffer): AudioFrame {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.length > MAX_AUDIO_FRAME_BYTES) checkPacketLength(bytes.length - AUDIO_FRAME_HEADER_BYTES, bytes.length);
  if (bytes.length < AUDIO_FRAME_HEADER_BYTES + 1) {
    throw new AircheckError('STUDIO_MESSAGE_MALFORMED',
      `audio frame is ${bytes.length} bytes, expected at least ${AUDIO_FRAME_HEADER_BYTES + 1} (a ${AUDIO_FRAME_HEADER_BYTES}-byte header and an Opus packet of at least 1 byte): send one header and one packet per binary message, ${FIX}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== AUDIO_FRAME_VERSION) {
    throw new AircheckError('STUDIO_MESSAGE_MALFORMED',
      `audio frame field "version" is ${version}, expected ${AUDIO_FRAME_VERSION}: the studio and bridge speak different frame formats — reload the studio page, ${FIX}`);
  }
  const flags = view.getUint8(1);
  const seq = view.getUint32(2, true);
  const timestampUs = view.getFloat64(6, true);
  const durationSamples = view.getUint16(14, true);
  checkFields(seq, timestampUs, durationSamples, flags);
  const packet = bytes.subarray(AUDIO_FRAME_HEADER_BYTES);
  checkDeclaredDuration(durationSamples, packet);
  return { seq, timestampUs, durationSamples, flags, packet };
}

function checkFields(seq: number, timestampUs: number, durationSamples: number, flags: number): void {
  const bad = (field: string, value: number, expected: string): AircheckError =>
    new AircheckError('STUDIO_MESSAGE_MALFORMED', `audio frame field "${field}" is ${value}, expected ${expected}, ${FIX}`);
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ) throw bad('seq', seq, `an integer 0..${MAX_SEQ}`);
  if (!Number.isSafeInteger(timestampUs)) {
    throw bad('timestampUs', timestampUs, 'a whole number of microseconds (a safe integer, as WebCodecs gives)');
  }
  if (!Number.isInteger(durationSamples) || durationSamples < MIN_FRAME_DURATION_SAMPLES || durationSamples > MAX_FRAME_DURATION_SAMPLES) {
    throw bad('durationSamples', durationSamples,
      `${MIN_FRAME_DURATION_SAMPLES}..${MAX_FRAME_DURATION_SAMPLES} samples at 48 kHz (2.5–60 ms frames)`);
  }
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~AUDIO_FRAME_KNOWN_FLAGS) !== 0) {
    throw bad('flags', flags, `only bit 0x01 (discontinuity) set; the other bits are reserved and must be 0`);
  }
}

/**
 * PROTOCOL.md §5.2: the duration a frame declares must be the duration its Opus packet holds (TOC
 * byte, RFC 6716 §3.1). Durations — the recording's length, the rate limit — come from the audio,
 * never from what a client declares: a frame that says 2.5 ms and carries 20 ms is refused.
 */
function checkDeclaredDuration(durationSamples: number, packet: Uint8Array): void {
  const packetSamples = opusPacketSamples(packet);
  if (packetSamples === 0) {
    throw new AircheckError('STUDIO_MESSAGE_MALFORMED',
      `audio frame's Opus packet has no frames (TOC byte 0x${(packet[0] ?? 0).toString(16).padStart(2, '0')}, RFC 6716 §3.1): send only packets the encoder produced, ${FIX}`);
  }
  if (packetSamples !== durationSamples) {
    throw new AircheckError('STUDIO_MESSAGE_MALFORMED',
      `audio frame field "durationSamples" is ${durationSamples}, but its Opus packet holds ${packetSamples} samples (${packetSamples / 48} ms, from the TOC byte): declare the packet's real duration, ${FIX}`);
  }
}

function checkPacketLength(packetBytes: number, frameBytes: number): void {
  if (packetBytes > MAX_OPUS_PACKET_BYTES) {
    throw new AircheckError('STUDIO_MESSAGE_TOO_LARGE',
      `audio frame is ${frameBytes} bytes (Opus packet ${packetBytes}), the limit is ${MAX_AUDIO_FRAME_BYTES} (packet ${MAX_OPUS_PACKET_BYTES}): encode at ≤ 510 kbps with frames of ≤ 60 ms, ${FIX}`);
  }
  if (packetBytes < 1) {
    throw new AircheckError('STUDIO_MESSAGE_MALFORMED',
      `audio frame carries an empty Opus packet, expected 1..${MAX_OPUS_PACKET_BYTES} bytes: send only chunks the encoder produced, ${FIX}`);
  }
}
