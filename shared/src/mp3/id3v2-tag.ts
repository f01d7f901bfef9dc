// A small ID3v2.3 tag (title, artist) for the start of an MP3 file. Pure: text in, bytes out. Written by
// the recording's MP3 rendition (recordings/src/finalize/mp3-rendition.ts); readers skip it by its size
// (Mp3Framer, recordings/src/verify/mp3-duration.ts), players show it.
//
// ID3v2.3 rather than 2.4: every player and tagger reads 2.3. Text is UTF-16 with a byte order mark
// (encoding $01, ID3v2.3 §4.2), which holds any name.

export interface Id3v2Text {
  title?: string;
  artist?: string;
}

/** The tag, or an empty array when there is no text to carry. */
export function writeId3v2Tag(text: Id3v2Text): Uint8Array {
  const frames: Uint8Array[] = [];
  if (text.title) frames.push(textFrame('TIT2', text.title));
  if (text.artist) frames.push(textFrame('TPE1', text.artist));
  if (frames.length === 0) return new Uint8Array(0);
  const bodyBytes = frames.reduce((n, f) => n + f.length, 0);
  if (bodyBytes >= 1 << 28) throw new RangeError(`writeId3v2Tag: ${bodyBytes} bytes do not fit a 28-bit tag size`);
  const out = new Uint8Array(10 + bodyBytes);
  // ID3v2.3 §3.1: "ID3", version 3.0, flags 0 (no unsynchronisation, extended header or experimental),
  // size of everything after the header as four 7-bit bytes.
  out.set([0x49, 0x44, 0x33, 3, 0, 0], 0);
  for (let k = 0; k < 4; k++) out[6 + k] = (bodyBytes >> (7 * (3 - k))) & 0x7f;
  let at = 10;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** ID3v2.3 §3.3: frame id, 32-bit size (not syncsafe in 2.3), two flag bytes; §4.2 text frame body. */
function textFrame(id: string, value: string): Uint8Array {
  const bodyBytes = 1 + 2 + 2 * value.length;
  const out = new Uint8Array(10 + bodyBytes);
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, bodyBytes);
  out[10] = 0x01; // UTF-16 with BOM
  out[11] = 0xff;
  out[12] = 0xfe; // little-endian
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    out[13 + 2 * i] = unit & 0xff;
    out[14 + 2 * i] = unit >> 8;
  }
  return out;
}
