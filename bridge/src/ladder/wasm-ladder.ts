// The ladder's WebAssembly encoder (no system package): one worker thread per parent stream
// (wasm-ladder-worker.ts, taken from a spare started ahead) that decodes once and encodes every MP3 rung. Between the event loop and
// the worker, a bounded OutputQueue (drop-oldest, ≈ 30 s of 128 kbps) and at most IN_FLIGHT_BYTES
// handed to the worker and not yet acknowledged: a worker that falls behind loses the oldest audio,
// never the loop's time or memory.
import { Worker } from 'node:worker_threads';
import { AircheckError } from '../../../shared/src/errors.ts';
import type { RungConfig } from '../../../config/src/config-schema.ts';
import { OutputQueue } from '../mounts/mount-output.ts';
import { SPARE_DELAY_MS, type EncoderBackend, type EncoderEvents, type EncoderInput } from './encoder-backend.ts';
import type { WasmLadderWorkerData } from './wasm-ladder-worker.ts';

/** Rung codecs the WebAssembly encoder has. */
export const WASM_CODECS: ReadonlySet<RungConfig['codec']> = new Set(['mp3']);
/** MP3 CBR bitrates LAME in wasm-media-encoders takes (no 56). */
export const WASM_MP3_BITRATES: ReadonlySet<number> = new Set([32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]);

const QUEUE_BYTES = 512 * 1024;
const IN_FLIGHT_BYTES = 64 * 1024;
const WORKER_URL = new URL('./wasm-ladder-worker.ts', import.meta.url);

/**
 * The next encoder's worker, started before it is needed: a thread, its modules and LAME's
 * WebAssembly take ~0.5 s to start (more on a busy machine), which listeners would hear as a gap at
 * every fallback and return. Unref'd: a spare never keeps the process alive.
 */
let spare: Worker | null = null;

/** Starts the spare worker if there is none: when the WebAssembly engine is chosen, and SPARE_DELAY_MS after every take. */
export function prewarmWasmLadder(): void {
  if (spare) return;
  const s = new Worker(WORKER_URL);
  s.unref();
  // A spare that fails to start is dropped (the next take starts one); its error must not go unhandled.
  s.on('error', () => {
    if (spare === s) spare = null;
  });
  spare = s;
}

function takeWorker(): Worker {
  const worker = spare ?? new Worker(WORKER_URL);
  spare = null;
  setTimeout(prewarmWasmLadder, SPARE_DELAY_MS).unref();
  worker.ref();
  return worker;
}

export class WasmLadder implements EncoderBackend {
  readonly #worker: Worker;
  readonly #events: EncoderEvents;
  readonly #queue = new OutputQueue<Uint8Array>(QUEUE_BYTES, 'drop-oldest');
  #inFlight = 0;
  #closed = false;
  #closeSent = false;
  #done = false;

  constructor(input: EncoderInput, rungs: readonly RungConfig[], events: EncoderEvents) {
    this.#events = events;
    const init: WasmLadderWorkerData = { input, rungs: [...rungs] };
    this.#worker = takeWorker();
    this.#worker.postMessage({ init });
    this.#worker.on('message', (msg: { rung?: number; bytes?: Uint8Array; ack?: number; error?: string; done?: true }) => {
      if (this.#done) return;
      if (msg.rung !== undefined && msg.bytes) this.#events.output(msg.rung, msg.bytes);
      else if (msg.ack !== undefined) {
        this.#inFlight -= msg.ack;
        this.#pump();
      } else if (msg.error !== undefined) this.#finish(new AircheckError('LADDER_ENCODER_FAILED', `WebAssembly ladder: ${msg.error}`));
      else if (msg.done) this.#finish(null);
    });
    this.#worker.on('error', (err) => this.#finish(new AircheckError('LADDER_ENCODER_FAILED', `WebAssembly ladder worker: ${err.message}`)));
    this.#worker.on('exit', (code) => this.#finish(code === 0 && this.#closed ? null : new AircheckError('LADDER_ENCODER_FAILED', `WebAssembly ladder worker exited (code ${code})`)));
  }

  get droppedBytes(): number {
    return this.#queue.droppedBytes;
  }

  /** The worker's thread id (CPU accounting in the benchmark). */
  get threadId(): number {
    return this.#worker.threadId;
  }

  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push(bytes);
    this.#pump();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pump();
  }

  kill(): void {
    this.#closed = true;
    this.#done = true;
    this.#queue.clear();
    void this.#worker.terminate();
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight < IN_FLIGHT_BYTES) {
      const bytes = this.#queue.shift()!;
      // Own the bytes, so the buffer can move to the worker without a copy.
      // (Uint8Array's slice copies; a Buffer's would be a view of memory that must not move.)
      const own = !Buffer.isBuffer(bytes) && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Uint8Array.prototype.slice.call(bytes);
      this.#inFlight += own.byteLength;
      this.#worker.postMessage({ bytes: own }, [own.buffer as ArrayBuffer]);
    }
    if (this.#closed && !this.#closeSent && !this.#done && this.#queue.length === 0) {
      this.#closeSent = true;
      this.#worker.postMessage({ close: true });
    }
  }

  #finish(error: AircheckError | null): void {
    if (this.#done) return;
    this.#done = true;
    this.#events.exited(error);
    void this.#worker.terminate();
  }
}
