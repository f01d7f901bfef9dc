// The last few seconds of a mount's audio, kept so a new listener starts with a burst that fills its
// player's buffer at once. Fed by Mount.append (released units); read by Mount when a listener joins.
// Bounded by duration (and a byte cap), cut only at units a listener may start on.
import type { AudioUnit } from '../../../shared/src/audio-unit.ts';

export class BurstBuffer {
  private units: AudioUnit[] = [];
  private head = 0;
  private durationUs = 0;
  private bytes = 0;
  private readonly keepUs: number;
  private readonly maxBytes: number;

  constructor(keepSeconds: number, maxBytes = 4 * 1024 * 1024) {
    this.keepUs = Math.max(0, keepSeconds) * 1_000_000;
    this.maxBytes = maxBytes;
  }

  push(unit: AudioUnit): void {
    this.units.push(unit);
    this.durationUs += unit.durationUs;
    this.bytes += unit.data.byteLength;
    // Trim whole groups (a sync point and the units up to the next one), and only while what stays
    // still covers the wanted duration: a burst can then always start on a sync point far enough back.
    for (;;) {
      let end = this.head + 1;
      let groupUs = this.units[this.head]!.durationUs;
      let groupBytes = this.units[this.head]!.data.byteLength;
      while (end < this.units.length && !isStart(this.units[end]!)) {
        groupUs += this.units[end]!.durationUs;
        groupBytes += this.units[end]!.data.byteLength;
        end++;
      }
      const overBytes = this.bytes > this.maxBytes;
      if (end >= this.units.length) {
        // The newest unit's group is kept whole, unless it alone passes the byte cap.
        while (this.bytes > this.maxBytes && this.head < this.units.length - 1) {
          const first = this.units[this.head++]!;
          this.durationUs -= first.durationUs;
          this.bytes -= first.data.byteLength;
        }
        break;
      }
      if (!overBytes && this.durationUs - groupUs < this.keepUs) break;
      this.durationUs -= groupUs;
      this.bytes -= groupBytes;
      this.head = end;
    }
    if (this.head > 1024 && this.head * 2 > this.units.length) {
      this.units = this.units.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.units = [];
    this.head = 0;
    this.durationUs = 0;
    this.bytes = 0;
  }

  /**
   * The units a new listener gets: at least `seconds` of audio when there is that much, starting on
   * a sync point. `startsNewStream` tells the caller the burst begins with a fresh Ogg chain (its
   * header pages are inside), so it must not send the stored header pages first.
   */
  burst(seconds: number): { units: AudioUnit[]; startsNewStream: boolean } {
    const wantUs = seconds * 1_000_000;
    const end = this.units.length;
    if (wantUs <= 0 || end === this.head) return { units: [], startsNewStream: false };
    let start = end;
    let accUs = 0;
    while (start > this.head && accUs < wantUs) {
      start--;
      accUs += this.units[start]!.durationUs;
    }
    // Move back to a sync point (more audio rather than less); else forward to the first one.
    let s = start;
    while (s > this.head && !this.units[s]!.isSyncPoint && !this.units[s]!.newStream) s--;
    if (!this.units[s]!.isSyncPoint && !this.units[s]!.newStream) {
      s = start;
      while (s < end && !this.units[s]!.isSyncPoint && !this.units[s]!.newStream) s++;
    }
    // A chain that starts inside the window: begin at its first page so its headers come first.
    let startsNewStream = false;
    for (let i = end - 1; i >= s; i--) {
      if (this.units[i]!.newStream) {
        s = i;
        startsNewStream = true;
        break;
      }
    }
    return { units: this.units.slice(s, end), startsNewStream };
  }
}

/** A unit a listener may start on. */
function isStart(u: AudioUnit): boolean {
  return u.isSyncPoint || u.newStream;
}
