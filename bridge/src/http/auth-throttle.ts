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
    if (this.failures.size >= MAX_TRACKED) {
      // Forget the oldest entries rather than grow without bound.
      for (const [k, v] of this.failures) {
        if (nowMs - v.windowStartMs > WINDOW_MS || this.failures.size >= MAX_TRACKED) this.failures.delete(k);
        if (this.failures.size < MAX_TRACKED / 2) break;
      }
    }
    this.failures.set(address, { count: 1, windowStartMs: nowMs });
  }
}
