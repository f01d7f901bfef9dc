// StreamFramer for Ogg Opus (RFC 7845) and Ogg Vorbis (Vorbis I spec, Appendix A) sources: one AudioUnit
// per Ogg page (RFC 3533), forwarded byte for byte, with header pages, chains and durations marked.
// Fed the decoded request body by the source connection; feeds the pacer and the mount registry.

import { AircheckError } from '../errors.ts';
import {
  OGG_GRANULE_NONE, OGG_MAX_PAGE_BYTES, OggPacketAssembler, checkOggPage, findOggCapture,
  oggPageLength, readOggPage,
} from './ogg-page.ts';
import type { OggPage } from './ogg-page.ts';
import {
  identifyOggCodec, isVorbisSetup, opusPacketSamples, parseOpusHead, parseOpusTags,
  parseVorbisComment, parseVorbisIdentification,
} from './codec-headers.ts';
import type { CodecComments } from './codec-headers.ts';
import { CarryBuffer } from '../audio-unit.ts';
import type { AudioUnit, StreamFormat, StreamFramer, UnitScanner } from '../audio-unit.ts';

/** Garbage (bytes that are not part of a valid page) tolerated between two valid pages. */
export const OGG_MAX_GARBAGE_BYTES = 64 * 1024;
/** Codec header pages of one chain; OpusTags with cover art can be large, but listeners get these on join. */
export const OGG_MAX_HEADER_BYTES = 1024 * 1024;
/** CRC work spent on candidates that failed since the last valid page, bounding crafted garbage. */
const MAX_FAILED_CHECK_BYTES = 16 * OGG_MAX_GARBAGE_BYTES;
/** A page claiming more playback time than this has a broken granule position. */
const MAX_PAGE_DURATION_S = 30n;

interface LogicalStream {
  serial: number;
  codec: 'opus' | 'vorbis';
  /** Granule positions count samples at this rate: 48 kHz for Opus (RFC 7845 §4), the stream rate for Vorbis. */
  granuleRateHz: bigint;
  headerPackets: number;
  headerPacketsSeen: number;
  headerBytes: number;
  pages: number;
  assembler: OggPacketAssembler;
  /** Granule position of the last audio page that had one; null before the first. */
  lastGranule: bigint | null;
  ended: boolean;
}

/**
 * One AudioUnit per valid page. Header pages (the pages carrying OpusHead + OpusTags, or the three
 * Vorbis headers) have isHeader; the BOS page has newStream; audio pages whose first packet starts on
 * the page are sync points. Chains (a BOS after EOS, or after audio pages) may switch codec.
 * Throws SOURCE_UNSUPPORTED_FORMAT for other codecs and multiplexed streams, SOURCE_BAD_AUDIO for
 * broken headers and for more than 64 KiB without a usable page; pages before the first BOS (or
 * after an EOS) are dropped. Holds at most one page (65,307 bytes) plus one chain's header packets.
 */
export class OggFramer implements StreamFramer, UnitScanner {
  #format: StreamFormat | null = null;
  #sampleRateHz = 0;
  #channels = 0;
  #comments: CodecComments | null = null;
  #stream: LogicalStream | null = null;
  readonly #carry = new CarryBuffer(OGG_MAX_PAGE_BYTES);
  #garbageBytes = 0;
  #garbageStart: Uint8Array | null = null;
  #failedCheckBytes = 0;
  #orphanBytes = 0;

  /** Codec of the current chain; null until its first BOS page. */
  get format(): StreamFormat | null {
    return this.#format;
  }

  /** Output rate of the current chain (48000 for Opus, per RFC 7845 §5.1). */
  get sampleRateHz(): number {
    return this.#sampleRateHz;
  }

  get channels(): number {
    return this.#channels;
  }

  /** OpusTags / Vorbis comments of the current chain, once its comment header has arrived. */
  get comments(): CodecComments | null {
    return this.#comments;
  }

  push(chunk: Uint8Array): AudioUnit[] {
    const out: AudioUnit[] = [];
    this.#carry.push(chunk, this, out);
    return out;
  }

  /** @internal UnitScanner: bytes the page candidate at buf[0] needs (RFC 3533 §6 header, table, body). */
  need(buf: Uint8Array): number {
    const length = oggPageLength(buf, 0);
    if (length > 0) return length;
    if (buf.length < 27) return 27;
    return 27 + (buf[26] as number);
  }

  /** @internal UnitScanner: pages from buf[0]; resyncs on the next 'OggS' whose CRC checks out. */
  scan(buf: Uint8Array, out: AudioUnit[]): number {
    let pos = 0;
    while (pos < buf.length) {
      const result = checkOggPage(buf, pos);
      if (result === 0) return pos;
      if (typeof result === 'number') {
        this.#garbageBytes = 0;
        this.#garbageStart = null;
        this.#failedCheckBytes = 0;
        this.#onPage(readOggPage(buf, pos, result), out);
        pos += result;
        continue;
      }
      if (result === 'crc') this.#failedCheckBytes += oggPageLength(buf, pos);
      const next = findOggCapture(buf, pos + 1);
      this.#skipGarbage(buf, pos, next);
      pos = next;
    }
    return pos;
  }

  #skipGarbage(buf: Uint8Array, from: number, to: number): void {
    if (this.#garbageStart === null) this.#garbageStart = buf.slice(from, Math.min(to, from + 8));
    this.#garbageBytes += to - from;
    if (this.#garbageBytes > OGG_MAX_GARBAGE_BYTES || this.#failedCheckBytes > MAX_FAILED_CHECK_BYTES) {
      throw new AircheckError('SOURCE_BAD_AUDIO',
        `no valid Ogg page in ${this.#garbageBytes} bytes (limit ${OGG_MAX_GARBAGE_BYTES}): expected pages starting 'OggS' with a valid CRC (RFC 3533 §6), the data starts ${describeBytes(this.#garbageStart)}; send Ogg Opus or Ogg Vorbis, or declare the right Content-Type`);
    }
  }

  #onPage(page: OggPage, out: AudioUnit[]): void {
    if (page.bos) {
      this.#onBos(page, out);
      return;
    }
    const stream = this.#stream;
    if (stream === null || stream.ended) {
      // RFC 3533 §4: a stream starts with its BOS page; pages before it cannot be decoded.
      this.#orphanBytes += page.bytes.length;
      if (this.#orphanBytes > OGG_MAX_GARBAGE_BYTES) {
        throw new AircheckError('SOURCE_BAD_AUDIO',
          `${this.#orphanBytes} bytes of Ogg pages (serial ${page.serial}) arrived without a beginning-of-stream page (RFC 3533 §4): the source joined a stream midway or lost its headers; restart the encoder so it sends the BOS and header pages first`);
      }
      return;
    }
    if (page.serial !== stream.serial) throw multiplexed(stream.serial, page.serial);
    stream.pages++;
    if (stream.headerPacketsSeen < stream.headerPackets) {
      this.#onHeaderPage(stream, page, out);
    } else {
      out.push({
        data: page.bytes,
        durationUs: this.#pageDurationUs(stream, page),
        isHeader: false,
        isSyncPoint: !page.continued,
        newStream: false,
      });
    }
    if (page.eos) stream.ended = true;
  }

  #onBos(page: OggPage, out: AudioUnit[]): void {
    const current = this.#stream;
    // RFC 3533 §4: a multiplexed stream groups the BOS pages of all its logical streams first. A BOS
    // right after another stream's BOS is therefore a second logical stream; any other BOS starts a chain.
    if (current !== null && !current.ended && current.pages === 1 && current.serial !== page.serial) {
      throw multiplexed(current.serial, page.serial);
    }
    const first = page.packets[0];
    if (first === undefined || !page.lastPacketComplete || page.packets.length !== 1) {
      throw new AircheckError('SOURCE_BAD_AUDIO',
        `Ogg beginning-of-stream page (serial ${page.serial}) holds ${page.packets.length} packet piece(s), expected exactly one complete identification header (RFC 7845 §3, Vorbis I spec §A.2); the encoder is broken`);
    }
    const codec = identifyOggCodec(first);
    let stream: LogicalStream;
    if (codec === 'opus') {
      const head = parseOpusHead(first);
      this.#format = 'ogg-opus';
      this.#sampleRateHz = 48000;
      this.#channels = head.channels;
      stream = newStream(page.serial, 'opus', 48000n, 2); // RFC 7845 §3: OpusHead, OpusTags
    } else if (codec === 'vorbis') {
      const id = parseVorbisIdentification(first);
      this.#format = 'ogg-vorbis';
      this.#sampleRateHz = id.sampleRateHz;
      this.#channels = id.channels;
      stream = newStream(page.serial, 'vorbis', BigInt(id.sampleRateHz), 3); // Vorbis I §4.2: id, comment, setup
    } else {
      const name = codec === 'unknown' ? `an unknown codec (first bytes ${describeBytes(first.subarray(0, 8))})` : codec;
      throw new AircheckError('SOURCE_UNSUPPORTED_FORMAT',
        `the Ogg stream carries ${name}; this server relays Ogg Opus and Ogg Vorbis only — re-encode to Opus or Vorbis`);
    }
    stream.headerPacketsSeen = 1;
    stream.headerBytes = page.bytes.length;
    this.#stream = stream;
    this.#comments = null;
    this.#orphanBytes = 0;
    out.push({ data: page.bytes, durationUs: 0, isHeader: true, isSyncPoint: false, newStream: true });
    if (page.eos) stream.ended = true;
  }

  #onHeaderPage(stream: LogicalStream, page: OggPage, out: AudioUnit[]): void {
    stream.headerBytes += page.bytes.length;
    if (stream.headerBytes > OGG_MAX_HEADER_BYTES) {
      throw new AircheckError('SOURCE_BAD_AUDIO',
        `the ${stream.codec} header pages of Ogg stream ${stream.serial} exceed ${OGG_MAX_HEADER_BYTES} bytes; every listener receives them on joining — remove cover art or large tags from the encoder's metadata`);
    }
    for (const packet of stream.assembler.push(page)) {
      const index = stream.headerPacketsSeen;
      if (index >= stream.headerPackets) break; // audio sharing the last header page (RFC 7845 §3 forbids it); keep going
      if (stream.codec === 'opus') {
        this.#comments = parseOpusTags(packet.data);
      } else if (index === 1) {
        this.#comments = parseVorbisComment(packet.data);
      } else if (!isVorbisSetup(packet.data)) {
        throw new AircheckError('SOURCE_BAD_AUDIO',
          `the third packet of Ogg Vorbis stream ${stream.serial} is not a setup header (expected '\\x05vorbis', got ${describeBytes(packet.data.subarray(0, 7))}; Vorbis I spec §4.2.4); the encoder is broken`);
      }
      stream.headerPacketsSeen++;
    }
    if (stream.headerPacketsSeen >= stream.headerPackets) stream.assembler.reset();
    out.push({ data: page.bytes, durationUs: 0, isHeader: true, isSyncPoint: false, newStream: false });
  }

  /**
   * Playback time of an audio page from granule differences (RFC 7845 §4, Vorbis I spec §A.2),
   * computed as the difference of rounded timestamps so that durations add up exactly.
   */
  #pageDurationUs(stream: LogicalStream, page: OggPage): number {
    const granule = page.granulePosition;
    if (granule === OGG_GRANULE_NONE) return 0;
    const rate = stream.granuleRateHz;
    const previous = stream.lastGranule;
    stream.lastGranule = granule;
    const maxSamples = MAX_PAGE_DURATION_S * rate;
    if (previous !== null) {
      const samples = granule - previous;
      if (samples >= 0n && samples <= maxSamples) return Number(toUs(granule, rate) - toUs(previous, rate));
    } else if (stream.codec === 'vorbis' && granule >= 0n && granule <= maxSamples) {
      return Number(toUs(granule, rate)); // a stream starting at granule 0
    }
    // First audio page (Opus may start at any granule, RFC 7845 §4) or a broken granule: Opus
    // packets state their own length (RFC 6716 §3.1); Vorbis would need the setup header's modes.
    if (stream.codec !== 'opus') return 0;
    let samples = 0;
    const last = page.lastPacketComplete ? page.packets.length : page.packets.length - 1;
    for (let i = page.continued ? 1 : 0; i < last; i++) samples += opusPacketSamples(page.packets[i] as Uint8Array);
    return Math.round((samples * 1_000_000) / 48000);
  }
}

function newStream(serial: number, codec: 'opus' | 'vorbis', granuleRateHz: bigint, headerPackets: number): LogicalStream {
  return {
    serial, codec, granuleRateHz, headerPackets, headerPacketsSeen: 0, headerBytes: 0, pages: 1,
    assembler: new OggPacketAssembler(OGG_MAX_HEADER_BYTES), lastGranule: null, ended: false,
  };
}

function toUs(granule: bigint, rateHz: bigint): bigint {
  return (granule * 1_000_000n + rateHz / 2n) / rateHz;
}

function multiplexed(a: number, b: number): AircheckError {
  return new AircheckError('SOURCE_UNSUPPORTED_FORMAT',
    `the Ogg stream multiplexes two logical streams (serials ${a} and ${b}, RFC 3533 §4); this server relays a single Opus or Vorbis stream — send audio only, without video, Skeleton or a second track`);
}

function describeBytes(bytes: Uint8Array | null): string {
  if (bytes === null || bytes.length === 0) return '(nothing)';
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const looksMp3 = (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) ||
    (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0);
  return looksMp3 ? `${hex} (looks like MP3: declare Content-Type audio/mpeg)` : hex;
}
