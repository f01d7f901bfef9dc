// One spool segment: a self-contained Ogg Opus file (OpusHead + OpusTags + audio pages, RFC 7845)
// written as its pages fill and fsync'd when it closes. Fed Opus packets by the show spool; the file
// feeds the finalizer (finalize/concatenate.ts). Calls are serialized by the show spool's queue.
import { OpusMuxer } from '../../../shared/src/ogg/opus-muxer.ts';
import { SegmentFile } from './segment-file.ts';
import { nodeSpoolFs, type SpoolFs } from './spool-fs.ts';

export interface SegmentSummary {
  frames: number;
  durationSamples: number;
  sizeBytes: number;
  /** SHA-256 of the whole file, lowercase hex. */
  sha256: string;
  /** CRC-32C of the whole file, S3's base64 form (the segment uploader sends it). */
  crc32c: string;
}

export class SegmentWriter {
  readonly path: string;
  readonly #file: SegmentFile;
  readonly #muxer: OpusMuxer;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #frames = 0;
  #durationSamples = 0;

  /** Opens no file yet: the first flush() creates it. serial: the Ogg stream serial of this file. */
  constructor(path: string, opusHead: Uint8Array, serial: number, fs: SpoolFs = nodeSpoolFs) {
    this.path = path;
    this.#file = new SegmentFile(path, fs);
    this.#muxer = new OpusMuxer({ opusHead, vendor: 'Aircheck recorder' });
    this.#queue(this.#muxer.beginChain(serial));
  }

  get frames(): number {
    return this.#frames;
  }

  /** Samples of audio handed in so far (48 kHz). */
  get durationSamples(): number {
    return this.#durationSamples;
  }

  /** Bytes waiting for the next flush(). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Adds one packet; completed pages wait for flush(). Returns the bytes of the pages it completed. */
  append(packet: Uint8Array, durationSamples: number): number {
    const before = this.#pendingBytes;
    this.#queue(this.#muxer.push(packet, durationSamples));
    this.#frames++;
    this.#durationSamples += durationSamples;
    return this.#pendingBytes - before;
  }

  /** Packets appended but not yet in a completed page (the muxer's open page). */
  get pendingPackets(): number {
    return this.#muxer.pendingPackets;
  }

  /** Completes the open page now (an acknowledgement waits for it); returns its bytes, 0 when empty. */
  completePage(): number {
    const before = this.#pendingBytes;
    this.#queue(this.#muxer.flush());
    return this.#pendingBytes - before;
  }

  /** Writes the completed pages (to the page cache; close() makes them durable). */
  async flush(): Promise<void> {
    const chunk = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#file.write(chunk);
  }

  /** Ends the stream (EOS page), writes, fsyncs and closes the file (closed on failure too). */
  async close(): Promise<SegmentSummary> {
    this.#queue(this.#muxer.endChain());
    await this.flush().catch(async (err: unknown) => {
      await this.abandon();
      throw err;
    });
    return { frames: this.#frames, durationSamples: this.#durationSamples, ...(await this.#file.close()) };
  }

  /** Closes the file, finished or not (close() does it; the spool calls it when it failed). */
  async abandon(): Promise<void> {
    await this.#file.abandon();
  }

  #queue(pages: Uint8Array[]): void {
    for (const p of pages) {
      this.#pending.push(p);
      this.#pendingBytes += p.length;
    }
  }
}
