// Reconnect delays for the uplink (shared/PROTOCOL.md §7.4): attempt k waits
// min(8 s, 250 ms × 2^(k−1)) ± 20 % jitter. Pure: the caller passes the random source.

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 8000;
export const BACKOFF_JITTER = 0.2;
/** §7.4: the attempt counter goes back to 1 once a connection has been welcomed this long. */
export const BACKOFF_RESET_AFTER_MS = 10_000;

/** Delay before attempt k (1, 2, …); random() in [0, 1) picks the jitter. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const k = Math.max(1, Math.floor(attempt));
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(k - 1, 30));
  const jitter = (random() * 2 - 1) * BACKOFF_JITTER;
  return Math.round(base * (1 + jitter));
}
