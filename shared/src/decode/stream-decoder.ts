// Decoders of the stream formats Aircheck carries, in WebAssembly (no system package): MP3
// (mpg123-decoder), Ogg Opus with its chains (opus-decoder behind our Ogg framer; a new OpusHead starts
// a new decoder, its pre-skip trimmed) and Ogg Vorbis (@wasm-audio-decoders/ogg-vorbis). Bytes in any
// slices, PCM out. Used by the ladder's WebAssembly worker (bridge/src/ladder/) and the recordings'
// waveform (recordings/src/finalize/waveform.ts).
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { MPEGDecoder } from 'mpg123-decoder';
import { OpusDecoder } from 'opus-decoder';
import type { StreamFormat } from '../audio-unit.ts';
import { isOpusHead, isOpusTags, parseOpusHead } from '../ogg/codec-headers.ts';
import { OggFramer } from '../ogg/ogg-framer.ts';
import { OggPacketAssembler, oggPageLength, readOggPage } from '../ogg/ogg-page.ts';

/** Channel data at a sample rate, as every decoder here returns it. */
export interface Pcm {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
}

export type DecodableFormat = 'ogg-opus' | StreamFormat;

export interface StreamDecoder {
  /** Any slice of the stream in; the PCM it completes out. */
  decode(bytes: Uint8Array): Promise<Pcm[]>;
  /** End of input: what the decoder still holds (the Vorbis parser holds a page until the next begins). */
  flush(): Promise<Pcm[]>;
  free(): void;
}

/** Ogg Opus, chains included: a new OpusHead starts a new decoder (its pre-skip trimmed). */
function oggOpusDecoder(): StreamDecoder {
  const framer = new OggFramer();
  const assembler = new OggPacketAssembler();
  let d: OpusDecoder<48000> | null = null;
  return {
    async decode(bytes) {
      const out: Pcm[] = [];
      for (const unit of framer.push(bytes)) {
        const page = readOggPage(unit.data, 0, oggPageLength(unit.data, 0));
        for (const p of assembler.push(page)) {
          if (isOpusHead(p.data)) {
            const head = parseOpusHead(p.data);
            d?.free();
            d = new OpusDecoder({ channels: head.channels, preSkip: head.preSkip, sampleRate: 48000 });
            await d.ready;
            continue;
          }
          if (isOpusTags(p.data) || !d) continue;
          const r = d.decodeFrame(p.data);
          if (r.samplesDecoded > 0) out.push({ channelData: r.channelData, samplesDecoded: r.samplesDecoded, sampleRate: 48000 });
        }
      }
      return out;
    },
    flush: async () => [],
    free: () => d?.free(),
  };
}

function mp3Decoder(): StreamDecoder {
  const d = new MPEGDecoder();
  return {
    async decode(bytes) {
      await d.ready;
      const r = d.decode(bytes);
      return r.samplesDecoded > 0 ? [r] : [];
    },
    flush: async () => [],
    free: () => d.free(),
  };
}

function vorbisDecoder(): StreamDecoder {
  const d = new OggVorbisDecoder();
  return {
    async decode(bytes) {
      await d.ready;
      const r = await d.decode(bytes);
      return r.samplesDecoded > 0 ? [r] : [];
    },
    async flush() {
      await d.ready;
      const r = await d.flush();
      return r.samplesDecoded > 0 ? [r] : [];
    },
    free: () => d.free(),
  };
}

/** A decoder for a stream of this format (AAC has none in WebAssembly here: RangeError). */
export function createStreamDecoder(format: DecodableFormat): StreamDecoder {
  switch (format) {
    case 'ogg-opus': return oggOpusDecoder();
    case 'mp3': return mp3Decoder();
    case 'ogg-vorbis': return vorbisDecoder();
    default: throw new RangeError(`no decoder for a ${format} recording or stream here (no WebAssembly AAC decoder)`);
  }
}

