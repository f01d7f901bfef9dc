// Releases audio units at real time by their duration, so a source that sends faster than real time
// (a file pushed without -re, a burst after a network hiccup) still reaches listeners in real time.
// Fed by SourceSession/FileFeed (enqueue); drained by the bridge's tick (releaseDue). Pure: the
// caller passes the clock.
import type { AudioUnit } from '../../../shared/src/audio-unit.ts';

/** How far a lagging source may fall behind its clock before the clock is moved (no catch-up burst). */
const MAX_LAG_US = 1_000_000;

export class Pacer {
  private queue: AudioUnit[] = [];
  private head = 0;
  /** Wall-clock time (µs) at which media time 0 is due; null before the first unit. */
  private anchorUs: number | null = null;
  /** Media time (µs) at the end of the last enqueued unit. */
  private enqueuedUs = 0;
  /** Media time (µs) at the end of the last released unit. */
  private releasedUs = 0;

  /** Queues units; `nowUs` is the wall clock when they arrived. */
  enqueue(units: readonly AudioUnit[], nowUs: number): void {
    if (units.length === 0) return;
    if (this.anchorUs === null) this.anchorUs = nowUs;
    else if (this.anchorUs + this.enqueuedUs < nowUs - MAX_LAG_US && this.head === this.queue.length) {
      // The source fell behind real time with nothing queued: restart its clock here.
      this.anchorUs = nowUs - this.enqueuedUs;
    }
    for (const u of units) {
      this.queue.push(u);
      this.enqueuedUs += u.durationUs;
    }
  }

  /** Units due by `nowUs`, in order. Zero-duration units (headers) go with what follows them. */
  releaseDue(nowUs: number, out: AudioUnit[] = []): AudioUnit[] {
    if (this.anchorUs === null) return out;
    while (this.head < this.queue.length) {
      const u = this.queue[this.head]!;
      if (this.anchorUs + this.releasedUs > nowUs) break;
      out.push(u);
      this.releasedUs += u.durationUs;
      this.head++;
    }
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Releases everything still queued (used when nothing should wait any more). */
  releaseAll(out: AudioUnit[] = []): AudioUnit[] {
    while (this.head < this.queue.length) {
      const u = this.queue[this.head++]!;
      this.releasedUs += u.durationUs;
      out.push(u);
    }
    this.queue = [];
    this.head = 0;
    return out;
  }

  /** Audio queued ahead of the clock, in µs. */
  leadUs(nowUs: number): number {
    if (this.anchorUs === null) return 0;
    return this.anchorUs + this.enqueuedUs - nowUs;
  }

  get queuedUnits(): number {
    return this.queue.length - this.head;
  }

  /** Restarts the clock (a file feed looping after a pause). */
  reset(): void {
    this.queue = [];
    this.head = 0;
    this.anchorUs = null;
    this.enqueuedUs = 0;
    this.releasedUs = 0;
  }
}
