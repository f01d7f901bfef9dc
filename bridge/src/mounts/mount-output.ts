// What a mount feeds besides its listeners: the recorder, a ladder's encoder, a push to another
// server, later HLS. An output attaches to a mount path in one of two ways:
//   * 'source': the audio of the mount's own source only (the recorder: a fallback is never recorded);
//     attached with Mount.addOutput().
//   * 'heard': what a listener of the path hears, fallback included (a push, a ladder rung): the
//     registry moves it between feeds like a listener, starting it at a sync point with the new
//     feed's header pages; attached with MountRegistry.attachHeardOutput().
// Outputs are called synchronously on the event loop and must never block it or each other: an
// output that cannot keep up queues into its own OutputQueue and applies the queue's named overflow
// policy. Fed by mount.ts / mount-registry.ts; implemented in ../outputs/ and the ladder.
import type { AudioUnit, StreamFormat } from '../../../shared/src/audio-unit.ts';
import type { ErrorCode } from '../../../shared/src/errors.ts';
import type { StreamInfo } from './mount.ts';

export interface StreamStart {
  /** The mount the output is attached to (not the fallback feeding it). */
  mountPath: string;
  /** The mount whose audio follows (differs from mountPath while a fallback plays; 'heard' only). */
  feedPath: string;
  format: StreamFormat;
  info: StreamInfo;
  /**
   * Ogg: the header pages of the feed's current chain, when the output joins mid-chain ('heard'
   * outputs moved to a feed); empty when the stream starts with its own header pages as units.
   */
  headerPages: readonly Uint8Array[];
}

export interface MountOutput {
  /** For logs and status. */
  readonly name: string;
  /** A stream starts (a source connected, or a 'heard' output moved to another feed). */
  streamStarted(start: StreamStart): void;
  /** Units released at real time, in order (views: copy what is kept beyond the call). */
  units(units: readonly AudioUnit[]): void;
  /**
   * The stream ended (source gone; 'heard': nothing to play until the next streamStarted). code: the
   * source's error when it failed (SOURCE_CONNECTION_LOST, SOURCE_TIMEOUT, …), null when it left cleanly.
   */
  streamEnded(reason: string, code?: ErrorCode | null): void;
  /** The mount's now-playing title changed ('' when cleared). */
  title?(title: string): void;
  /** The feed's stream info changed mid-stream (a studio show renamed): 'heard' outputs only. */
  info?(info: StreamInfo): void;
}

/** What an OutputQueue does when it is full. */
export type OverflowPolicy =
  /** Drop the oldest queued items (live outputs: stay at the live edge; the loss is counted). */
  | 'drop-oldest'
  /** Refuse the new item (the producer learns it through push()'s result and counts it). */
  | 'drop-newest';

/**
 * A bounded FIFO of byte items for one output, with a named overflow policy: a slow or dead
 * consumer never grows memory or delays the producer. Counts what it dropped.
 */
export class OutputQueue<T extends { byteLength: number }> {
  readonly policy: OverflowPolicy;
  readonly maxBytes: number;
  #items: T[] = [];
  #head = 0;
  #bytes = 0;
  droppedItems = 0;
  droppedBytes = 0;

  constructor(maxBytes: number, policy: OverflowPolicy) {
    if (!(maxBytes > 0)) throw new RangeError(`OutputQueue: maxBytes must be > 0, got ${maxBytes}`);
    this.maxBytes = maxBytes;
    this.policy = policy;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Queues item; false when the policy dropped it (drop-newest on a full queue). */
  push(item: T): boolean {
    if (item.byteLength > this.maxBytes) {
      this.#drop(item);
      return false;
    }
    if (this.#bytes + item.byteLength > this.maxBytes) {
      if (this.policy === 'drop-newest') {
        this.#drop(item);
        return false;
      }
      while (this.#bytes + item.byteLength > this.maxBytes) this.#drop(this.shift()!);
    }
    this.#items.push(item);
    this.#bytes += item.byteLength;
    return true;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = undefined as unknown as T;
    this.#head++;
    this.#bytes -= item.byteLength;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  #drop(item: T): void {
    this.droppedItems++;
    this.droppedBytes += item.byteLength;
  }
}
