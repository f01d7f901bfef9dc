// Reconnect backoff for the bridge's own outgoing connections (pushes to other servers, pull relays):
// an interval that doubles per failed attempt up to a cap, and a wait taken off it at random so
// peers that failed together spread out (never longer than the interval in effect, so a status that
// shows the interval shows the latest retry). Pure. Also the timers, randomness and metric hooks such
// a reconnecting peer takes, so tests drive it with a fake clock.
import type { ErrorCode } from '../../../shared/src/errors.ts';

export interface BackoffPolicy {
  /** The first interval after a failure. */
  baseMs: number;
  capMs: number;
  /** Up to this share of the interval is taken off at random. */
  jitter: number;
}

/** The interval before attempt n (1-based) after a failure. */
export function backoffInterval(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.baseMs * 2 ** Math.max(0, attempt - 1), policy.capMs);
}

/** The wait actually taken for an interval: up to `jitter` of it taken off (random in [0, 1)). */
export function jitteredWait(policy: BackoffPolicy, intervalMs: number, random: () => number): number {
  return Math.round(intervalMs * (1 - policy.jitter * random()));
}

/** What a reconnecting peer (push target, pull relay) is given: clock, timers, randomness, metric hooks. */
export interface ReconnectingPeerDeps {
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** [0, 1): the backoff's jitter. */
  random?: () => number;
  onConnected?: (connected: boolean) => void;
  onBytes?: (bytes: number) => void;
  onReconnect?: () => void;
  onError?: (code: ErrorCode) => void;
}
