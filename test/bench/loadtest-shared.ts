// The contract between loadtest.ts (main thread) and loadtest-worker.ts (the threads holding sockets):
// the worker's start data, the live counters it keeps in shared memory, and its final report.

/** Slots of each worker's Float64Array counter block (cumulative, written by the worker only). */
export const C = {
  STARTED: 0, // connect() calls made
  ADMITTED: 1, // 200 status + full header received
  FAILED: 2, // never admitted: refused, reset, non-200, closed early
  DROPPED: 3, // admitted, then closed by the server before the end
  BYTES: 4, // body bytes received (after the response head)
  READS: 5, // read callbacks that carried body bytes
  F_REFUSED: 6,
  F_RESET: 7,
  F_STATUS: 8, // answered, but not 200
  F_EARLY_CLOSE: 9, // closed (FIN) before a full response head
  F_OTHER: 10,
  CLOSED_BY_US: 11, // admitted listeners we closed at the end
  DONE: 12, // 1 when the worker has closed everything
  PROBE_BYTES: 13, // body bytes at probe listeners (read as soon as data arrives)
  PROBE_READS: 14, // their read callbacks: bytes per read ≈ the server's write size
  PROBE_LIVE: 15, // probe listeners admitted and still connected
} as const;
export const COUNTER_SLOTS = 16;

/** Every PROBE_EVERY-th listener reads as soon as data arrives, whatever --read-every says. */
export const PROBE_EVERY = 100;

export interface WorkerStart {
  workerIndex: number;
  workerCount: number;
  host: string;
  port: number;
  /** the full request head, sent as is */
  request: string;
  listeners: number; // total over all workers
  rampMs: number;
  holdMs: number;
  /** 0: read whenever data arrives; else each listener reads at most once per this many ms */
  readEveryMs: number;
  /** shared schedule origin, epoch milliseconds */
  startEpochMs: number;
  counters: SharedArrayBuffer;
}

export interface WorkerReport {
  /** connect start → first body byte, ms, one per admitted listener that got a body byte */
  ttfbMs: Float64Array;
  /** connect start → TCP handshake done (SYN retries after a full accept queue show here), ms */
  connectMs: Float64Array;
  /** of the unserved: those whose TCP connect never completed (SYNs dropped, still retrying) */
  unservedConnecting: number;
  /** over the steady window (ramp end + up to 2 s → end), each listener admitted before it and
   *  still connected at the end: body bytes / window, KiB/s */
  steadyKiBps: Float64Array;
  /** each admitted listener's body bytes / its admitted lifetime, KiB/s (lifetime ≥ 1 s only) */
  listenerKiBps: Float64Array;
  /** sum over admitted listeners of the time they were admitted, seconds */
  listenerSeconds: number;
  /** still connecting or waiting for the response head when the test ended */
  unserved: number;
  statusCodes: Record<string, number>;
  /** icy-metaint values announced in admitted responses (value → count); empty without --icy */
  icyMetaint: Record<string, number>;
  errorCodes: Record<string, number>;
  /** event-loop delay of this worker over the run, ms */
  loopDelayMs: { p50: number; p99: number; max: number };
}
