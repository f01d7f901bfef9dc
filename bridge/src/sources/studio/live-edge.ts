// The live edge of a studio show on air: decides for each frame whether it goes to the mounts or is
// skipped because it arrives too far behind the studio's capture clock (a backlog resent after a cut),
// so listeners stay live while the recorder still gets every frame. Fed by live-push.ts (timestamps
// from PROTOCOL.md §5.1, the bridge's clock); pure: the caller passes the clock.

/** A frame this late behind the freshest frames (or this far ahead on air) starts a skip to the live edge. */
export const LIVE_EDGE_SKIP_MS = 1000;
/** A skip ends at the first frame at most this late: listeners are back at the edge. */
export const LIVE_EDGE_RESUME_MS = 300;
/**
 * While skipping, a backlog shows as lateness falling (frames arrive faster than real time). If it
 * falls less than LIVE_EDGE_SETTLED_MS in this much wall time while audio keeps arriving at about
 * real time (at least SETTLED_MIN_RATE of the wall time), the backlog is over and the network is just
 * slower now: the current lateness becomes the edge (no skip lasts for ever). A pause in the uplink
 * in the middle of a backlog (a stalled link, a busy sender) also stops the lateness falling, but
 * nothing arrives during it: that is not a settled network, and the skip goes on.
 */
const SETTLE_WINDOW_US = 500_000;
const LIVE_EDGE_SETTLED_MS = 100;
const SETTLED_MIN_RATE = 0.8;
/** The freshest lateness seen may creep up by this fraction of the audio (clock drift studio ↔ bridge). */
const DRIFT_PER_US = 0.001;
/** Like the pacer: audio on air may lag real time this much before its clock restarts. */
const MAX_LAG_US = 1_000_000;

export interface EdgeVerdict {
  /** Send this frame on air. */
  air: boolean;
  /** Set on the frame that ends a skip: the audio skipped on air (µs). */
  skippedUs: number | null;
}

export class LiveEdge {
  /** The lowest (arrival − capture time) seen: the lateness of a frame at the live edge. */
  #freshestUs: number | null = null;
  /** Wall-clock µs at which the audio sent on air so far ends playing (ahead of now: a lead). */
  #airEndUs = 0;
  /** Audio skipped in the current skip; null when not skipping. */
  #skippedUs: number | null = null;
  #settleFromUs = 0;
  #settleLatenessUs = 0;
  /** Audio that arrived since the settle window began (its first frame not counted). */
  #settleAudioUs = 0;

  /** Audio skipped in the skip going on now (µs), 0 when none. */
  get skippingUs(): number {
    return this.#skippedUs ?? 0;
  }

  /**
   * One frame: captured at captureUs (studio clock), durationUs long, arriving at nowUs (bridge
   * clock). discontinuity: the capture clock restarted (§5.1 flag), so the edge is measured afresh.
   */
  next(captureUs: number, durationUs: number, nowUs: number, discontinuity = false): EdgeVerdict {
    const latenessUs = nowUs - captureUs;
    if (discontinuity || this.#freshestUs === null) this.#freshestUs = latenessUs;
    else this.#freshestUs = Math.min(this.#freshestUs + durationUs * DRIFT_PER_US, latenessUs);
    const behindUs = latenessUs - this.#freshestUs;
    const leadUs = this.#airEndUs - nowUs;
    const lateUs = Math.max(behindUs, leadUs);
    if (this.#skippedUs === null) {
      if (lateUs <= LIVE_EDGE_SKIP_MS * 1000) return this.#air(durationUs, nowUs, null);
      this.#skippedUs = 0;
      this.#startSettleWindow(nowUs, latenessUs);
    } else {
      this.#settleAudioUs += durationUs;
    }
    if (lateUs <= LIVE_EDGE_RESUME_MS * 1000) return this.#endSkip(durationUs, nowUs);
    const windowUs = nowUs - this.#settleFromUs;
    if (windowUs >= SETTLE_WINDOW_US) {
      const flat = this.#settleLatenessUs - latenessUs < LIVE_EDGE_SETTLED_MS * 1000;
      const flowing = this.#settleAudioUs >= windowUs * SETTLED_MIN_RATE;
      if (flat && flowing && leadUs <= LIVE_EDGE_RESUME_MS * 1000) {
        this.#freshestUs = latenessUs;
        return this.#endSkip(durationUs, nowUs);
      }
      this.#startSettleWindow(nowUs, latenessUs);
    }
    this.#skippedUs += durationUs;
    return { air: false, skippedUs: null };
  }

  #startSettleWindow(nowUs: number, latenessUs: number): void {
    this.#settleFromUs = nowUs;
    this.#settleLatenessUs = latenessUs;
    this.#settleAudioUs = 0;
  }

  #endSkip(durationUs: number, nowUs: number): EdgeVerdict {
    const skippedUs = this.#skippedUs;
    this.#skippedUs = null;
    return this.#air(durationUs, nowUs, skippedUs);
  }

  #air(durationUs: number, nowUs: number, skippedUs: number | null): EdgeVerdict {
    // The pacer's rule: a clock lagging more than MAX_LAG_US with nothing queued restarts at now.
    this.#airEndUs = (this.#airEndUs < nowUs - MAX_LAG_US ? nowUs : this.#airEndUs) + durationUs;
    return { air: true, skippedUs };
  }
}
