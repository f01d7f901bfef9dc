// One spool segment of a source's stream kept as received: its MP3 frames or Ogg pages, byte for
// byte, written about once a second of audio and fsync'd when it closes. An Ogg segment that starts
// inside a chain begins with a copy of that chain's header pages (prefixBytes), so every segment is a
// playable file on its own; the finalizer drops the copy where the chain continues
// (finalize/concatenate-stream.ts). Fed by the show spool (same surface as segment-writer.ts).
import { SegmentFile } from './segment-file.ts';
import type { SegmentSummary } from './segment-writer.ts';
import { nodeSpoolFs, type SpoolFs } from './spool-fs.ts';

/** Audio held in memory before it is handed to the disk (48 kHz samples): about a second. */
const WRITE_EVERY_SAMPLES = 48_000;

export class PassthroughSegment {
  readonly path: string;
  /** Bytes at the start that copy the chain's header pages (Ogg, a segment starting mid-chain). */
  readonly prefixBytes: number;
  readonly #file: SegmentFile;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #pendingSamples = 0;
  #completedBytes = 0;
  #frames = 0;
  #durationSamples = 0;

  /** prefix: the current Ogg chain's header pages when the segment starts inside it (copied now). */
  constructor(path: string, prefix: readonly Uint8Array[], fs: SpoolFs = nodeSpoolFs) {
    this.path = path;
    this.#file = new SegmentFile(path, fs);
    let bytes = 0;
    for (const p of prefix) {
      this.#pending.push(p.slice());
      bytes += p.byteLength;
    }
    this.prefixBytes = bytes;
    this.#pendingBytes = bytes;
  }

  get frames(): number {
    return this.#frames;
  }

  get durationSamples(): number {
    return this.#durationSamples;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Units appended but not yet handed to a write. */
  get pendingPackets(): number {
    return this.#pendingSamples > 0 ? 1 : 0;
  }

  /** Adds one unit (an MP3 frame or an Ogg page, copied). Returns the bytes now due for a write (0: held). */
  append(unit: Uint8Array, durationSamples: number): number {
    this.#pending.push(unit.slice());
    this.#pendingBytes += unit.byteLength;
    this.#pendingSamples += durationSamples;
    this.#frames++;
    this.#durationSamples += durationSamples;
    return this.#pendingSamples >= WRITE_EVERY_SAMPLES ? this.completePage() : 0;
  }

  /** Hands everything held to the next flush(); returns its bytes (0 when nothing is held). */
  completePage(): number {
    const bytes = this.#pendingBytes - this.#completedBytes;
    this.#completedBytes = this.#pendingBytes;
    this.#pendingSamples = 0;
    return bytes;
  }

  /** Writes what is held (to the page cache; close() makes it durable). */
  async flush(): Promise<void> {
    const chunk = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#completedBytes = 0;
    await this.#file.write(chunk);
  }

  async close(): Promise<SegmentSummary & { prefixBytes: number }> {
    await this.flush().catch(async (err: unknown) => {
      await this.abandon();
      throw err;
    });
    return { frames: this.#frames, durationSamples: this.#durationSamples, ...(await this.#file.close()), prefixBytes: this.prefixBytes };
  }

  async abandon(): Promise<void> {
    await this.#file.abandon();
  }
}
