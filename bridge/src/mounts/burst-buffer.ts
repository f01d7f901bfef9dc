// The last few seconds of a mount's audio, kept so a new listener starts with a burst that fills its
// player's buffer at once. Fed by Mount.append (released units); read by Mount when a listener joins.
// Bounded by duration (and a byte cap), cut only at units a listener may start on.
import type { AudioUnit } from '../sources/formats/audio-unit.ts';

export class BurstBuffer {
  private units: AudioUnit[] = [];
  private head = 0;
  private durationUs = 0;
  private bytes = 0;
  private readonly keepUs: number;
  private readonly maxBytes: number;

  constructor(keepSeconds: number, maxBytes = 4 * 1024 * 1024) {
    // Keep a little more than asked so the cut can move back to an earlier sync point.
    this.keepUs = Math.max(0, keepSeconds) * 1_000_000 + 500_000;
    this.maxBytes = maxBytes;
  }

  push(unit: AudioUnit): void {
    this.units.push(unit);
    this.durationUs += unit.durationUs;
    this.bytes += unit.data.byteLength;
    while (this.head < this.units.length - 1) {
      const first = this.units[this.head]!;
      if (this.durationUs - first.durationUs < this.keepUs && this.bytes - first.data.byteLength < this.maxBytes) break;
      this.durationUs -= first.durationUs;
      this.bytes -= first.data.byteLength;
      this.head++;
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
