// Limits failed authentications per (client address, account or mount), so that guessing passwords
// is slow and one user's failures never lock another account or mount out from the same address
// (a shared NAT, a studio with several DJs). An address that sprays many accounts is also capped as
// a whole, at ADDRESS_FACTOR × the per-account limit. Fed by every authenticating edge (sources,
// admin, private listeners, studio sign-in); bounded in memory.
const WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;
/** Failures from one address across all accounts, as a multiple of the per-account limit. */
export const ADDRESS_FACTOR = 10;
const MAX_SCOPE_CHARS = 160;

/**
 * What was tried: `admin:USER`, `source:/mount`, `listener:/mount`, `dj:NAME`. Failures count per
 * address and scope.
 */
export type AuthScope = `${'admin' | 'source' | 'listener' | 'dj' | 'console'}:${string}`;

interface Window {
  count: number;
  windowStartMs: number;
}

export class AuthThrottle {
  private readonly failures = new Map<string, Window>();
  maxPerMinute: number;

  constructor(maxPerMinute: number) {
    this.maxPerMinute = maxPerMinute;
  }

  /** True when this address has used up its failures for this scope (or for all scopes) this minute. */
  blocked(address: string, scope: AuthScope, nowMs = Date.now()): boolean {
    return this.#count(keyOf(address, scope), nowMs) >= this.maxPerMinute || this.#count(address, nowMs) >= this.maxPerMinute * ADDRESS_FACTOR;
  }

  fail(address: string, scope: AuthScope, nowMs = Date.now()): void {
    this.#add(keyOf(address, scope), nowMs);
    this.#add(address, nowMs);
  }

  #count(key: string, nowMs: number): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    if (nowMs - entry.windowStartMs > WINDOW_MS) {
      this.failures.delete(key);
      return 0;
    }
    return entry.count;
  }

  #add(key: string, nowMs: number): void {
    const entry = this.failures.get(key);
    if (entry && nowMs - entry.windowStartMs <= WINDOW_MS) {
      entry.count++;
      return;
    }
    if (entry) this.failures.delete(key); // an expired window starts again at the end of the order
    // The map is in insertion order, which is window-start order: the oldest entries come first.
    for (const [k, v] of this.failures) {
      if (this.failures.size < MAX_TRACKED && nowMs - v.windowStartMs <= WINDOW_MS) break;
      this.failures.delete(k);
    }
    this.failures.set(key, { count: 1, windowStartMs: nowMs });
  }
}

function keyOf(address: string, scope: AuthScope): string {
  return `${address}\u0000${scope.slice(0, MAX_SCOPE_CHARS)}`;
}
