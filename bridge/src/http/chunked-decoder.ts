// Incremental decoder for `Transfer-Encoding: chunked` request bodies (RFC 9112 §7.1), as sent by
// HTTP/1.1 sources (ffmpeg, GStreamer shout2send, curl). Fed raw body bytes by the source connection;
// feeds the decoded audio bytes (views of the input, never copies) to the format framer.

import { AircheckError } from '../../../shared/src/errors.ts';

/** Longest chunk-size line (size, extensions, CRLF) or trailer line accepted. */
export const CHUNK_MAX_LINE_BYTES = 4096;
/** Largest trailer section accepted. */
export const CHUNK_MAX_TRAILER_BYTES = 16 * 1024;
/** Largest chunk size accepted (2^48 bytes: far beyond any stream, within exact integer range). */
const MAX_CHUNK_BYTES = 2 ** 48;

// Decoder states, one per position in the grammar of RFC 9112 §7.1:
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
const SIZE = 0; // reading chunk-size hex digits
const EXT = 1; // after the size: BWS, chunk-ext, until CR
const SIZE_LF = 2; // expecting LF after the size line's CR
const DATA = 3; // chunk-data
const DATA_CR = 4; // expecting CR after chunk-data
const DATA_LF = 5; // expecting LF after chunk-data
const TRAILER = 6; // at the start of a trailer field line or the final CRLF
const TRAILER_LINE = 7; // inside a trailer field line
const TRAILER_LF = 8; // expecting LF ending a trailer line (or the whole body)
const DONE = 9;

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

export class ChunkedDecoder {
  #state = SIZE;
  #size = 0;
  #sizeDigits = 0;
  #lineBytes = 0;
  #remaining = 0;
  #trailerBytes = 0;
  /** Whether the current trailer line had content (an empty one ends the body). */
  #trailerLineEmpty = true;
  /** Inside a quoted-string of a chunk extension, and just after a backslash in one. */
  #quoted = false;
  #escaped = false;
  /** A ';' has been seen on the size line: the rest is chunk-ext. */
  #inExtension = false;
  #ignoredBytes = 0;
  #bodyBytes = 0;

  /** The last chunk and the trailer section have arrived; later bytes are ignored. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /** Bytes received after the end of the body (not part of it). */
  get ignoredBytes(): number {
    return this.#ignoredBytes;
  }

  /** Decoded body bytes so far. */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  /** Decoded data in buf, as views of it. Throws SOURCE_BODY_INVALID on a framing error. */
  push(buf: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const n = buf.length;
    let i = 0;
    while (i < n) {
      switch (this.#state) {
        case DATA: {
          const take = Math.min(this.#remaining, n - i);
          out.push(buf.subarray(i, i + take));
          this.#bodyBytes += take;
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#state = DATA_CR;
          continue;
        }
        case DONE:
          this.#ignoredBytes += n - i;
          return out;
        default:
          break;
      }
      const b = buf[i] as number;
      i++;
      switch (this.#state) {
        case SIZE: {
          this.#countLineByte();
          const v = hexValue(b);
          if (v !== -1) {
            this.#size = this.#size * 16 + v;
            this.#sizeDigits++;
            if (this.#size > MAX_CHUNK_BYTES) {
              throw invalid(`chunk size exceeds ${MAX_CHUNK_BYTES} bytes`, 'send chunks of a sane size');
            }
            break;
          }
          if (this.#sizeDigits === 0) {
            throw invalid(`chunk size starts with ${describe(b)}, expected a hexadecimal digit`, 'send the chunk size in hex, e.g. "1f40\\r\\n"');
          }
          this.#state = EXT;
          this.#ext(b);
          break;
        }
        case EXT:
          this.#countLineByte();
          this.#ext(b);
          break;
        case SIZE_LF:
          if (b !== 0x0a) throw invalid(`chunk size line ends with CR followed by ${describe(b)}, expected LF`, 'end the size line with CRLF');
          this.#lineBytes = 0;
          if (this.#size === 0) {
            this.#state = TRAILER;
            this.#trailerLineEmpty = true;
          } else {
            this.#remaining = this.#size;
            this.#state = DATA;
          }
          break;
        case DATA_CR:
          if (b !== 0x0d) throw invalid(`chunk data is followed by ${describe(b)}, expected CRLF`, 'send exactly as many bytes as the chunk size says, then CRLF');
          this.#state = DATA_LF;
          break;
        case DATA_LF:
          if (b !== 0x0a) throw invalid(`chunk data is followed by CR then ${describe(b)}, expected LF`, 'end each chunk with CRLF');
          this.#startSizeLine();
          break;
        case TRAILER:
        case TRAILER_LINE:
          // RFC 9112 §7.1.2: trailer-section = *( field-line CRLF ), then the body's final CRLF.
          this.#trailerBytes++;
          this.#lineBytes++;
          if (this.#trailerBytes > CHUNK_MAX_TRAILER_BYTES || this.#lineBytes > CHUNK_MAX_LINE_BYTES) {
            throw invalid(`trailer section exceeds ${CHUNK_MAX_TRAILER_BYTES} bytes`, 'send fewer trailer fields');
          }
          if (b === 0x0d) {
            this.#state = TRAILER_LF;
          } else if ((b < 0x20 && b !== 0x09) || b === 0x7f) {
            throw invalid(`trailer field contains ${describe(b)}`, 'send trailer fields as "Name: value" lines');
          } else {
            this.#trailerLineEmpty = false;
            this.#state = TRAILER_LINE;
          }
          break;
        case TRAILER_LF:
          if (b !== 0x0a) throw invalid(`trailer line ends with CR followed by ${describe(b)}, expected LF`, 'end trailer lines with CRLF');
          this.#lineBytes = 0;
          if (this.#trailerLineEmpty) {
            this.#state = DONE;
          } else {
            this.#state = TRAILER;
            this.#trailerLineEmpty = true;
          }
          break;
      }
    }
    return out;
  }

  #startSizeLine(): void {
    this.#state = SIZE;
    this.#size = 0;
    this.#sizeDigits = 0;
    this.#lineBytes = 0;
    this.#quoted = false;
    this.#escaped = false;
    this.#inExtension = false;
  }

  #countLineByte(): void {
    if (++this.#lineBytes > CHUNK_MAX_LINE_BYTES) {
      throw invalid(`chunk size line exceeds ${CHUNK_MAX_LINE_BYTES} bytes`, 'send short chunk extensions (or none)');
    }
  }

  /**
   * One byte of the rest of a size line (RFC 9112 §7.1.1):
   * chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), ext-val = token / quoted-string.
   * Extensions carry nothing we use; checked loosely (no CTLs outside HTAB, balanced quotes).
   */
  #ext(b: number): void {
    if (this.#quoted) {
      if (this.#escaped) this.#escaped = false;
      else if (b === 0x5c) this.#escaped = true;
      else if (b === 0x22) this.#quoted = false;
      else if ((b < 0x20 && b !== 0x09) || b === 0x7f) {
        throw invalid(`chunk extension contains ${describe(b)} inside a quoted string`, 'close the quoted string before CRLF');
      }
      return;
    }
    if (b === 0x0d) {
      this.#state = SIZE_LF;
      return;
    }
    if (b === 0x22 && this.#inExtension) {
      this.#quoted = true;
      return;
    }
    if ((b < 0x20 && b !== 0x09) || b === 0x7f || b >= 0x80) {
      throw invalid(`chunk size line contains ${describe(b)} after the size`, 'follow the hex size with CRLF (or ";name=value" extensions)');
    }
    if (!this.#inExtension) {
      if (b === 0x3b) this.#inExtension = true;
      else if (b !== 0x20 && b !== 0x09) {
        throw invalid(`chunk size is followed by ${describe(b)}, expected CRLF or ';'`, 'send the chunk size in hex, e.g. "1f40\\r\\n"');
      }
    }
  }
}

function invalid(what: string, fix: string): AircheckError {
  return new AircheckError('SOURCE_BODY_INVALID', `chunked request body: ${what} (RFC 9112 §7.1); ${fix}`);
}

function describe(b: number): string {
  const hex = `0x${b.toString(16).padStart(2, '0')}`;
  return b >= 0x21 && b < 0x7f ? `'${String.fromCharCode(b)}' (${hex})` : `byte ${hex}`;
}
