// The recording of a source client's show (BUTT, Mixxx, Liquidsoap, ffmpeg… on a mount marked for
// recording): its stream kept as received — every MP3 frame or Ogg page the source released, in
// order, through the same spool, finalize, store and verify as a studio show. Ogg header pages are
// tracked so a segment opening inside a chain starts with a copy of them; a new chain after one
// left open (the source reconnected) is preceded by an EOS page; MP3 Info/Xing frames (a file
// header an encoder writes at the start of its stream, wrong for the recording) are left out.
// Created by Recorder.createSourceRecording for bridge/src/outputs/source-recorder.ts.
import type { ErrorCode } from '../../shared/src/errors.ts';
import type { AudioUnit, StreamFormat } from '../../shared/src/audio-unit.ts';
import { isInfoFrame } from '../../shared/src/mp3/mp3-info-frame.ts';
import { buildOggEosPage, readOggPagePosition, type OggPagePosition } from '../../shared/src/ogg/ogg-eos.ts';
import type { RecordingConsumer } from './recorder.ts';

export class SourceRecording {
  readonly format: StreamFormat;
  readonly #consumer: RecordingConsumer;
  #seq = 0;
  /** The current Ogg chain's header pages (copies). */
  #headers: Uint8Array[] = [];
  #lastPage: OggPagePosition | null = null;
  #ended = false;

  /** consumer: Recorder.createConsumer with chainHeaders bound to this recording's headers(). */
  constructor(format: StreamFormat, consumer: (headers: () => readonly Uint8Array[]) => RecordingConsumer) {
    this.format = format;
    this.#consumer = consumer(() => this.#headers);
  }

  get showId(): string {
    return this.#consumer.showId;
  }

  /** Units as the source released them (views: copied where kept). */
  units(units: readonly AudioUnit[]): void {
    if (this.#ended) return;
    const ogg = this.format !== 'mp3';
    for (const u of units) {
      if (ogg) {
        if (u.newStream) {
          // A new chain while the last is open (the source reconnected, or started a new chain): close it.
          if (this.#lastPage && !this.#lastPage.eos) this.#frame(buildOggEosPage(this.#lastPage), 0);
          this.#headers = [];
        }
        if (u.isHeader) this.#headers.push(u.data.slice());
        this.#lastPage = readOggPagePosition(u.data) ?? this.#lastPage;
      } else if (isInfoFrame(u.data)) continue;
      this.#frame(u.data, (u.durationUs * 48) / 1000);
    }
  }

  /** The mount's title changed ('' when cleared): the tracklist keeps it at its audio position. */
  title(title: string): void {
    if (!this.#ended) this.#consumer.onMetadata({ artist: '', title });
  }

  /** The show's name and description (the source's ice-name / ice-description). */
  show(name: string, description: string): void {
    if (!this.#ended) this.#consumer.onShow({ name, description });
  }

  /** The source was away for ms and a source came back: the show goes on after a gap with cause. */
  gap(ms: number, cause: ErrorCode, reason: string): void {
    if (!this.#ended) this.#consumer.onSourceGap(Math.round(ms * 48), cause, reason);
  }

  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#consumer.onEnd(reason);
  }

  #frame(packet: Uint8Array, durationSamples: number): void {
    this.#consumer.onFrame({ seq: this.#seq++, timestampUs: Date.now() * 1000, durationSamples, flags: 0, packet });
  }
}
