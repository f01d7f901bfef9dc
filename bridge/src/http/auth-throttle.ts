// Limits failed authentications per client address (sources, admin, private listeners), so that
// guessing passwords is slow. Fed by every authenticating edge; bounded in memory.
const WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;

export class AuthThrottle {
  private readonly failures = new Map<string, { count: number; windowStartMs: number }>();
  maxPerMinute: number;

  constructor(maxPerMinute: number) {
    this.maxPerMinute = maxPerMinute;
  }

  /** True when the address has used up its failures for this minute. */
  blocked(address: string, nowMs = Date.now()): boolean {
    const entry = this.failures.get(address);
    if (!entry) return false;
    if (nowMs - entry.windowStartMs > WINDOW_MS) {
      this.failures.delete(address);
      return false;
    }
    return entry.count >= this.maxPerMinute;
  }

  fail(address: string, nowMs = Date.now()): void {
    const entry = this.failures.get(address);
    if (entry && nowMs - entry.windowStartMs <= WINDOW_MS) {
      entry.count++;
      return;
    }
    if (entry) this.failures.delete(address); // an expired window starts again at the end of the order
    // The map is in insertion order, which is window-start order: the oldest entries come first.
    for (const [k, v] of this.failures) {
      if (this.failures.size < MAX_TRACKED && nowMs - v.windowStartMs <= WINDOW_MS) break;
      this.failures.delete(k);
    }
    this.failures.set(address, { count: 1, windowStartMs: nowMs });
  }
}
