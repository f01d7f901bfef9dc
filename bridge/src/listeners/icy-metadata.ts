// ICY in-stream metadata (the SHOUTcast/Icecast convention): builds the metadata blocks, interleaves
// them into a listener's byte stream every `icy-metaint` bytes, and strips them again (relay, tests).
// Fed the mount's now-playing title and the audio bytes for one listener; feeds the listener's socket.
//
// Wire format: after every metaint audio bytes comes one length byte L, then L × 16 bytes of text
// `StreamTitle='…';StreamUrl='…';`, NUL-padded; L = 0 means "no change". At most 255 × 16 bytes.

/** The longest metadata text a block can carry: the length byte counts 16-byte units, up to 255. */
export const ICY_MAX_METADATA_BYTES = 255 * 16;

/** A block saying "no new metadata": a single zero length byte. */
export const EMPTY_ICY_BLOCK: Uint8Array = new Uint8Array(1);

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');
const TITLE_PREFIX = encoder.encode("StreamTitle='");
const URL_PREFIX = encoder.encode("StreamUrl='");
const FIELD_END = encoder.encode("';");

 
const CONTROLS = /[\u0000-\u001f\u007f]/g;

/**
 * A StreamTitle value that cannot end its field. Parsers end a value at the first `';`
 * (icecast-metadata-js, Icecast's own relay code) or even at the first `'` (many players' regexes),
 * and the format has no escape, so every `'` becomes U+2019 (’, the typographic apostrophe: "Don’t
 * Go" still reads right) rather than being dropped. Control characters (NUL reads as padding) go.
 */
export function icyTitleValue(title: string): string {
  return title.replace(CONTROLS, '').replaceAll("'", '\u2019');
}

/** A StreamUrl value that cannot end its field: `'` percent-encoded (%27 is the same URL), controls removed. */
export function icyUrlValue(url: string): string {
  return url.replace(CONTROLS, '').replaceAll("'", '%27');
}

/**
 * One metadata block, length byte included. Values are escaped so that they cannot close their
 * field (icyTitleValue, icyUrlValue); a title too long for the 4080-byte maximum is cut at a UTF-8
 * character boundary, and a URL that cannot fit is left out. Build it once per title change and
 * share it between listeners.
 */
export function buildIcyMetadataBlock(streamTitle: string, streamUrl?: string): Uint8Array {
  const title = encoder.encode(icyTitleValue(streamTitle));
  let url = streamUrl === undefined ? null : encoder.encode(icyUrlValue(streamUrl));
  const titleFrame = TITLE_PREFIX.length + FIELD_END.length;
  const urlFrame = URL_PREFIX.length + FIELD_END.length;
  if (url !== null && titleFrame + urlFrame + url.length > ICY_MAX_METADATA_BYTES) url = null;
  const urlBytes = url === null ? 0 : urlFrame + url.length;
  const titleLength = utf8Prefix(title, ICY_MAX_METADATA_BYTES - titleFrame - urlBytes);
  const textLength = titleFrame + titleLength + urlBytes;
  const units = Math.ceil(textLength / 16);
  const block = new Uint8Array(1 + units * 16);
  block[0] = units;
  let at = 1;
  block.set(TITLE_PREFIX, at);
  at += TITLE_PREFIX.length;
  block.set(title.subarray(0, titleLength), at);
  at += titleLength;
  block.set(FIELD_END, at);
  at += FIELD_END.length;
  if (url !== null) {
    block.set(URL_PREFIX, at);
    at += URL_PREFIX.length;
    block.set(url, at);
    at += url.length;
    block.set(FIELD_END, at);
  }
  return block;
}

/** The longest prefix of UTF-8 bytes, at most maxBytes, that ends on a character boundary. */
function utf8Prefix(bytes: Uint8Array, maxBytes: number): number {
  if (bytes.length <= maxBytes) return bytes.length;
  let cut = maxBytes;
  while (cut > 0 && ((bytes[cut] as number) & 0xc0) === 0x80) cut--; // 10xxxxxx: continuation byte
  return cut;
}

/**
 * One listener's position in the metaint cycle. Audio slices returned are views of the input chunk;
 * the block is sent once per change (compared by identity: pass the same Uint8Array until the
 * title changes), then empty blocks, as Icecast does.
 */
export class IcyInterleaver {
  readonly metaIntBytes: number;
  #untilMetadata: number;
  #lastBlock: Uint8Array | null = null;

  constructor(metaIntBytes: number) {
    if (!Number.isInteger(metaIntBytes) || metaIntBytes < 1) {
      throw new RangeError(`icy-metaint must be a positive integer, got ${metaIntBytes}`);
    }
    this.metaIntBytes = metaIntBytes;
    this.#untilMetadata = metaIntBytes;
  }

  /** Audio bytes still to send before the next metadata block. */
  get bytesUntilMetadata(): number {
    return this.#untilMetadata;
  }

  interleave(chunk: Uint8Array, currentBlock: Uint8Array): Uint8Array[] {
    if (chunk.length < this.#untilMetadata) {
      this.#untilMetadata -= chunk.length;
      return chunk.length === 0 ? [] : [chunk];
    }
    const out: Uint8Array[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const take = Math.min(this.#untilMetadata, chunk.length - pos);
      out.push(take === chunk.length ? chunk : chunk.subarray(pos, pos + take));
      pos += take;
      this.#untilMetadata -= take;
      if (this.#untilMetadata === 0) {
        out.push(currentBlock === this.#lastBlock ? EMPTY_ICY_BLOCK : currentBlock);
        this.#lastBlock = currentBlock;
        this.#untilMetadata = this.metaIntBytes;
      }
    }
    return out;
  }
}

/** Fields of one metadata text, e.g. { StreamTitle: 'Artist - Title', StreamUrl: '…' }. */
export function parseIcyMetadataText(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = 0;
  for (;;) {
    const eq = text.indexOf("='", at);
    if (eq === -1) break;
    const end = text.indexOf("';", eq + 2);
    const key = text.slice(at, eq).trim();
    const value = end === -1 ? text.slice(eq + 2).replace(/'?\0*$/, '') : text.slice(eq + 2, end);
    if (key !== '') fields[key] = value;
    if (end === -1) break;
    at = end + 2;
  }
  return fields;
}

/**
 * Splits an ICY byte stream back into audio and metadata, incrementally. Audio comes back as views
 * of the pushed chunks; metadata as the text of each non-empty block, trailing NULs removed.
 */
export class IcyStreamParser {
  readonly metaIntBytes: number;
  #untilMetadata: number;
  /** Bytes still missing from the current metadata block; -1 while reading audio. */
  #metaLeft = -1;
  #meta = new Uint8Array(ICY_MAX_METADATA_BYTES);
  #metaLength = 0;

  constructor(metaIntBytes: number) {
    if (!Number.isInteger(metaIntBytes) || metaIntBytes < 1) {
      throw new RangeError(`icy-metaint must be a positive integer, got ${metaIntBytes}`);
    }
    this.metaIntBytes = metaIntBytes;
    this.#untilMetadata = metaIntBytes;
  }

  push(chunk: Uint8Array): { audio: Uint8Array[]; metadata: string[] } {
    const audio: Uint8Array[] = [];
    const metadata: string[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#metaLeft === -1) {
        if (this.#untilMetadata === 0) {
          this.#metaLeft = (chunk[pos++] as number) * 16; // the length byte
          this.#metaLength = 0;
        } else {
          const take = Math.min(this.#untilMetadata, chunk.length - pos);
          audio.push(chunk.subarray(pos, pos + take));
          pos += take;
          this.#untilMetadata -= take;
          continue;
        }
      } else {
        const take = Math.min(this.#metaLeft, chunk.length - pos);
        this.#meta.set(chunk.subarray(pos, pos + take), this.#metaLength);
        this.#metaLength += take;
        this.#metaLeft -= take;
        pos += take;
      }
      if (this.#metaLeft === 0) {
        let end = this.#metaLength;
        while (end > 0 && this.#meta[end - 1] === 0) end--;
        if (this.#metaLength > 0) metadata.push(decoder.decode(this.#meta.subarray(0, end)));
        this.#metaLeft = -1;
        this.#untilMetadata = this.metaIntBytes;
      }
    }
    return { audio, metadata };
  }
}

/**
 * Strips metadata from a whole ICY byte stream: the audio bytes joined, the text of every non-empty
 * block, and the StreamTitle of each block that had one.
 */
export function parseIcyStream(
  bytes: Uint8Array,
  metaIntBytes: number,
): { audio: Uint8Array; metadata: string[]; titles: string[] } {
  const parser = new IcyStreamParser(metaIntBytes);
  const { audio: pieces, metadata } = parser.push(bytes);
  let total = 0;
  for (const p of pieces) total += p.length;
  const audio = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    audio.set(p, at);
    at += p.length;
  }
  const titles: string[] = [];
  for (const text of metadata) {
    const title = parseIcyMetadataText(text).StreamTitle;
    if (title !== undefined) titles.push(title);
  }
  return { audio, metadata, titles };
}
