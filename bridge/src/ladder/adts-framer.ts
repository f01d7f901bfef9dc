// Frames an AAC ADTS byte stream (ISO/IEC 13818-7 §6.2 / 14496-3 §1.A.2) into AudioUnits: one unit
// per ADTS frame, every one a sync point, with its duration from the sample rate index and the number
// of raw data blocks (1024 samples each). Pure and incremental. Fed the AAC rungs' encoder output
// (ffmpeg `-f adts`) by ladder-engine.ts; feeds the rung's mount.
import { CarryBuffer, type AudioUnit, type StreamFormat, type StreamFramer, type UnitScanner } from '../../../shared/src/audio-unit.ts';

/** MPEG-4 sampling frequency index → Hz (index 12 and up are reserved/escape: not ADTS). */
export const ADTS_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000] as const;

const HEADER_BYTES = 7;
/** frame_length is 13 bits. */
const MAX_FRAME_BYTES = 8191;

export interface AdtsHeader {
  frameLength: number;
  sampleRateHz: number;
  channels: number;
  /** Samples per channel in the frame (1024 × raw data blocks). */
  samples: number;
  /** 1 = AAC Main, 2 = LC, 3 = SSR, 4 = LTP (audio object type). */
  objectType: number;
}

/** The ADTS header at buf[at], or null when the bytes there are not one (needs 7 bytes). */
export function readAdtsHeader(buf: Uint8Array, at: number): AdtsHeader | null {
  if (buf.length - at < HEADER_BYTES) return null;
  const b1 = buf[at + 1]!;
  if (buf[at] !== 0xff || (b1 & 0xf6) !== 0xf0) return null; // syncword 0xFFF, layer 00
  const b2 = buf[at + 2]!;
  const b3 = buf[at + 3]!;
  const srIndex = (b2 >> 2) & 0x0f;
  if (srIndex >= ADTS_SAMPLE_RATES.length) return null;
  const frameLength = ((b3 & 0x03) << 11) | (buf[at + 4]! << 3) | (buf[at + 5]! >> 5);
  const headerLength = (b1 & 0x01) === 0 ? 9 : HEADER_BYTES; // protection_absent = 0: CRC follows
  if (frameLength < headerLength) return null;
  const blocks = (buf[at + 6]! & 0x03) + 1;
  return {
    frameLength,
    sampleRateHz: ADTS_SAMPLE_RATES[srIndex]!,
    channels: ((b2 & 0x01) << 2) | (b3 >> 6),
    samples: blocks * 1024,
    objectType: ((b2 >> 6) & 0x03) + 1,
  };
}

/** Same sample rate, channels and object type: what a stream keeps from frame to frame. */
function streamKey(h: AdtsHeader): number {
  return h.sampleRateHz * 64 + h.channels * 8 + h.objectType;
}

/**
 * One AudioUnit per ADTS frame. While hunting for sync a header is trusted only when the next frame's
 * header follows with the same stream key; once locked, frames are taken back to back. Garbage is
 * skipped. Never throws: its input is our own encoder's.
 */
export class AdtsFramer implements StreamFramer, UnitScanner {
  #format: StreamFormat | null = null;
  #lockedKey = -1;
  readonly #carry = new CarryBuffer(2 * MAX_FRAME_BYTES + HEADER_BYTES);
  /** Sub-microsecond remainder (in 1/sampleRate µs) so durations add up exactly. */
  #remainder = 0;
  sampleRateHz = 0;
  channels = 0;

  get format(): StreamFormat | null {
    return this.#format;
  }

  push(chunk: Uint8Array): AudioUnit[] {
    const out: AudioUnit[] = [];
    this.#carry.push(chunk, this, out);
    return out;
  }

  /** @internal UnitScanner */
  need(buf: Uint8Array): number {
    const h = readAdtsHeader(buf, 0);
    if (!h) return HEADER_BYTES;
    return this.#lockedKey === streamKey(h) ? h.frameLength : h.frameLength + HEADER_BYTES;
  }

  /** @internal UnitScanner */
  scan(buf: Uint8Array, out: AudioUnit[]): number {
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      if (buf[pos] !== 0xff) {
        pos++;
        continue;
      }
      if (n - pos < HEADER_BYTES) return pos;
      const h = readAdtsHeader(buf, pos);
      if (!h) {
        pos++;
        continue;
      }
      const key = streamKey(h);
      if (key !== this.#lockedKey) {
        // Hunting: confirm by the next header.
        if (n - pos < h.frameLength + HEADER_BYTES) return pos;
        const next = readAdtsHeader(buf, pos + h.frameLength);
        if (!next || streamKey(next) !== key) {
          this.#lockedKey = -1;
          pos++;
          continue;
        }
        this.#lockedKey = key;
      }
      if (n - pos < h.frameLength) return pos;
      this.#emit(buf.subarray(pos, pos + h.frameLength), h, out);
      pos += h.frameLength;
    }
    return pos;
  }

  #emit(data: Uint8Array, h: AdtsHeader, out: AudioUnit[]): void {
    this.#format = 'aac';
    this.sampleRateHz = h.sampleRateHz;
    this.channels = h.channels;
    const scaled = h.samples * 1_000_000 + this.#remainder;
    const durationUs = Math.floor(scaled / h.sampleRateHz);
    this.#remainder = scaled - durationUs * h.sampleRateHz;
    out.push({ data, durationUs, isHeader: false, isSyncPoint: true, newStream: false });
  }
}
