// The incoming side of ICY in-stream metadata (SHOUTcast/Icecast `icy-metaint`): splits an upstream's
// body into audio and metadata blocks and turns each block's StreamTitle into a title. Pure and
// incremental. Fed the relay's response body by pull-relay.ts; feeds its framer (audio) and the
// mount's title. The outgoing side (building blocks for listeners) is listeners/icy-metadata.ts.
//
// Wire format: after every `icy-metaint` audio bytes comes one length byte L, then L × 16 bytes of
// text `StreamTitle='…';StreamUrl='…';`, NUL-padded; L = 0 means "no change".

/** The largest icy-metaint accepted: SHOUTcast uses 8192–32768, Icecast 16000; more is not ICY. */
export const ICY_MAX_METAINT_BYTES = 1 << 20;
const MAX_BLOCK_BYTES = 255 * 16;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** The icy-metaint response header as a byte count, or null when absent; throws RangeError for a value that is not one. */
export function parseMetaint(value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (!/^\d{1,8}$/.test(text) || Number(text) < 1 || Number(text) > ICY_MAX_METAINT_BYTES) {
    throw new RangeError(`icy-metaint ${JSON.stringify(value.slice(0, 40))} is not a byte count from 1 to ${ICY_MAX_METAINT_BYTES}`);
  }
  return Number(text);
}

/** A block's text: UTF-8 when it is valid UTF-8, else Latin-1 (what SHOUTcast v1 servers send). */
export function decodeIcyText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

/**
 * The StreamTitle of one metadata text, or null when it has none. The value ends at the first `';`
 * (as Icecast's own relay code and icecast-metadata-js read it); a missing end takes the rest.
 */
export function streamTitleOf(text: string): string | null {
  const start = text.indexOf("StreamTitle='");
  if (start === -1) return null;
  const from = start + "StreamTitle='".length;
  const end = text.indexOf("';", from);
  return end === -1 ? text.slice(from).replace(/'?\s*$/, '') : text.slice(from, end);
}

export interface IcyReadResult {
  /** Audio bytes, in order: views of the pushed chunk. */
  audio: Uint8Array[];
  /** The StreamTitle of every non-empty block that had one, in order. */
  titles: string[];
}

/** One upstream connection's position in the metaint cycle. */
export class IcyReader {
  readonly metaintBytes: number;
  #untilBlock: number;
  /** Bytes of the current block still to come; -1 while reading audio. */
  #blockLeft = -1;
  readonly #block = new Uint8Array(MAX_BLOCK_BYTES);
  #blockLength = 0;

  constructor(metaintBytes: number) {
    if (!Number.isInteger(metaintBytes) || metaintBytes < 1 || metaintBytes > ICY_MAX_METAINT_BYTES) {
      throw new RangeError(`icy-metaint must be 1–${ICY_MAX_METAINT_BYTES}, got ${metaintBytes}`);
    }
    this.metaintBytes = metaintBytes;
    this.#untilBlock = metaintBytes;
  }

  push(chunk: Uint8Array): IcyReadResult {
    const audio: Uint8Array[] = [];
    const titles: string[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.#blockLeft === -1) {
        if (this.#untilBlock > 0) {
          const take = Math.min(this.#untilBlock, chunk.length - at);
          audio.push(chunk.subarray(at, at + take));
          at += take;
          this.#untilBlock -= take;
          continue;
        }
        this.#blockLeft = chunk[at++]! * 16; // the length byte
        this.#blockLength = 0;
      } else {
        const take = Math.min(this.#blockLeft, chunk.length - at);
        this.#block.set(chunk.subarray(at, at + take), this.#blockLength);
        this.#blockLength += take;
        this.#blockLeft -= take;
        at += take;
      }
      if (this.#blockLeft === 0) {
        let end = this.#blockLength;
        while (end > 0 && this.#block[end - 1] === 0) end--;
        if (end > 0) {
          const title = streamTitleOf(decodeIcyText(this.#block.subarray(0, end)));
          if (title !== null) titles.push(title);
        }
        this.#blockLeft = -1;
        this.#untilBlock = this.metaintBytes;
      }
    }
    return { audio, titles };
  }
}
