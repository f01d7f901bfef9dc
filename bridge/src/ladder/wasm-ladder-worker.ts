// The ladder's WebAssembly encoder, on a worker thread (wasm-ladder.ts gives one to each parent
// stream): decodes the parent (MP3: mpg123-decoder; Ogg Opus: opus-decoder; Ogg Vorbis:
// @wasm-audio-decoders/ogg-vorbis) once and encodes every MP3 rung (LAME in wasm-media-encoders,
// which also resamples). A worker starts before it is needed (the modules loaded, LAME compiled),
// so a fallback or a return does not wait for a thread to start. Protocol with wasm-ladder.ts: in
// {init} first, then {bytes} | {close}; out {rung, bytes} | {ack} | {error} | {done}. No system
// package needed.
import { parentPort } from 'node:worker_threads';
import { createMp3Encoder } from 'wasm-media-encoders';
import { createStreamDecoder, type Pcm } from '../../../shared/src/decode/stream-decoder.ts';
import type { RungConfig } from '../../../config/src/config-schema.ts';
import type { EncoderInput } from './encoder-backend.ts';
import { rungSampleRate } from './rung-format.ts';

export interface WasmLadderWorkerData {
  input: EncoderInput;
  rungs: RungConfig[];
}

type Mp3Encoder = Awaited<ReturnType<typeof createMp3Encoder>>;

const port = parentPort!;
let rungs: RungConfig[] = [];
let decoder: ReturnType<typeof createStreamDecoder> | null = null;

/** One LAME encoder per rung, set up at the first PCM (its input rate and channels). */
let encoders: (Mp3Encoder | null)[] = [];
let inputRate = 0;

// LAME compiled while the worker waits for its stream (wasm-media-encoders keeps the module).
let chain: Promise<void> = createMp3Encoder().then(() => undefined);

async function encode(pcm: Pcm): Promise<void> {
  if (pcm.sampleRate !== inputRate) {
    inputRate = pcm.sampleRate;
    for (let i = 0; i < rungs.length; i++) {
      const r = rungs[i]!;
      const e = await createMp3Encoder();
      e.configure({ sampleRate: inputRate, channels: r.channels, bitrate: r.bitrate_kbps as 128, outputSampleRate: rungSampleRate(r) as 44100 });
      encoders[i] = e;
    }
  }
  for (let i = 0; i < rungs.length; i++) {
    const channels = rungs[i]!.channels;
    const data = fitChannels(pcm.channelData, channels);
    const bytes = encoders[i]!.encode(data);
    if (bytes.length > 0) send(i, Uint8Array.prototype.slice.call(bytes));
  }
}

/** Mono ↔ stereo: a stereo rung of a mono parent doubles it; a mono rung of a stereo parent averages. */
function fitChannels(ch: Float32Array[], want: 1 | 2): Float32Array[] {
  if (ch.length === want) return ch;
  if (want === 2) return [ch[0]!, ch[0]!];
  const left = ch[0]!;
  const right = ch[1] ?? left;
  const mono = new Float32Array(left.length);
  for (let i = 0; i < mono.length; i++) mono[i] = (left[i]! + right[i]!) / 2;
  return [mono];
}

function send(rung: number, bytes: Uint8Array): void {
  port.postMessage({ rung, bytes }, [bytes.buffer as ArrayBuffer]);
}

// One message at a time, in order (decoders are async).
port.on('message', (msg: { init?: WasmLadderWorkerData; bytes?: Uint8Array; close?: true }) => {
  chain = chain.then(async () => {
    if (msg.init) {
      rungs = msg.init.rungs;
      encoders = rungs.map(() => null);
      decoder = createStreamDecoder(msg.init.input.format);
    } else if (!decoder) {
      throw new Error('the worker got audio before its stream was named');
    } else if (msg.bytes) {
      for (const pcm of await decoder.decode(msg.bytes)) await encode(pcm);
      port.postMessage({ ack: msg.bytes.byteLength });
    } else if (msg.close) {
      for (const pcm of await decoder.flush()) await encode(pcm);
      for (let i = 0; i < rungs.length; i++) {
        const rest = encoders[i]?.finalize();
        if (rest && rest.length > 0) send(i, Uint8Array.prototype.slice.call(rest));
      }
      port.postMessage({ done: true });
    }
  }).catch((err: unknown) => {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) });
  });
});
