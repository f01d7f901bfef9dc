// When bytes really arrived, measured off the test's event loop: one worker thread per test process
// (arrival-tap-worker.ts, started on first use, unref()ed) relays a listener's TCP connection and
// stamps each chunk from the server. The test's own stalls (decoding, GC) then no longer look like
// pauses of the server. Used by listener.ts (connectListener(url, { tap: true })).
import { Worker } from 'node:worker_threads';

/**
 * Records kept per tap, in a ring: 15 minutes of one chunk every 5 ms (2.9 MB, mostly never touched).
 * The main thread consumes records as its bytes arrive, so only a reader 180 000 chunks behind the
 * worker could lose one; readsUpTo() then throws rather than guess.
 */
export const RING_RECORDS = 15 * 60 * 200;
/** Layout of a tap's SharedArrayBuffer: Int32 record count, padding, then Float64 pairs (cumulative bytes, time ms). */
export const RECORD_OFFSET_BYTES = 8;

export interface TapOpenRequest {
  id: number;
  host: string;
  port: number;
  sab: SharedArrayBuffer;
}
export type TapOpenReply = { id: number; port: number } | { id: number; error: string };

export interface ArrivalTap {
  /** The 127.0.0.1 port to connect to instead of the server; it accepts one connection. */
  readonly port: number;
  /**
   * The tap's reads from the server that carried the bytes after those asked for last time, up to
   * `bytes` (counted from the connection's first byte): each read's end (the last one's cut at
   * `bytes`) and when (tapClockMs) it came off the wire. Call it with bytes already read from the
   * tap's socket (their reads are recorded by then), never decreasing.
   */
  readsUpTo(bytes: number): TapRead[];
  /** When (tapClockMs) the tap last read from the server, whether or not this thread has read those bytes yet; null before any. */
  lastReadMs(): number | null;
}

export interface TapRead {
  endBytes: number;
  timeMs: number;
}

/** The tap's clock in this thread: epoch milliseconds, comparable across threads. */
export function tapClockMs(): number {
  return performance.timeOrigin + performance.now();
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (r: TapOpenReply) => void; reject: (e: Error) => void }>();

function tapWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./arrival-tap-worker.ts', import.meta.url));
  const fail = (err: Error): void => {
    worker = null; // the next openTap starts a new one
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('message', (r: TapOpenReply) => {
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (pending.size === 0) w.unref();
    p?.resolve(r);
  });
  w.on('error', (err) => fail(new Error(`the arrival tap worker failed: ${err.message}`, { cause: err })));
  w.on('exit', (code) => fail(new Error(`the arrival tap worker exited with code ${code}`)));
  w.unref();
  worker = w;
  return w;
}

/** Opens a relay to host:port (IPv6 literals such as ::1 included) in the tap worker. */
export async function openTap(host: string, port: number): Promise<ArrivalTap> {
  const sab = new SharedArrayBuffer(RECORD_OFFSET_BYTES + RING_RECORDS * 2 * Float64Array.BYTES_PER_ELEMENT);
  const w = tapWorker();
  const id = nextId++;
  const reply = await new Promise<TapOpenReply>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref(); // an awaited answer keeps the process alive
    w.postMessage({ id, host, port, sab } satisfies TapOpenRequest);
  });
  if ('error' in reply) throw new Error(`arrival tap to ${host}:${port}: ${reply.error}`);

  const count = new Int32Array(sab, 0, 1);
  const records = new Float64Array(sab, RECORD_OFFSET_BYTES);
  let cursor = 0; // the first record that may still be needed
  return {
    port: reply.port,
    lastReadMs() {
      const n = Atomics.load(count, 0);
      return n === 0 ? null : records[((n - 1) % RING_RECORDS) * 2 + 1]!;
    },
    readsUpTo(bytes) {
      const n = Atomics.load(count, 0);
      if (n - cursor > RING_RECORDS) throw new Error(`arrival tap: the reader fell ${n - cursor} chunks behind (ring of ${RING_RECORDS})`);
      const reads: TapRead[] = [];
      for (; cursor < n; cursor++) {
        const i = (cursor % RING_RECORDS) * 2;
        const endBytes = records[i]!;
        const timeMs = records[i + 1]!;
        if (endBytes < bytes) {
          reads.push({ endBytes, timeMs });
          continue;
        }
        reads.push({ endBytes: bytes, timeMs });
        if (endBytes === bytes) cursor++; // a read cut at `bytes` stays for its remaining bytes
        return reads;
      }
      throw new Error(`arrival tap: no record for byte ${bytes} (${n} chunks recorded)`);
    },
  };
}
