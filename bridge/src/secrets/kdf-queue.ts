// A bounded queue for expensive password checks (scrypt): at most `concurrency` run at once, at most
// `maxQueued` wait, and one client holds at most `maxPerClient` running or waiting. Past a bound the
// check is refused at once with AUTH_BUSY (503) rather than queued: memory and latency stay bounded
// under a flood. Used by secrets.ts; no I/O of its own.
import { AircheckError } from '../../../shared/src/errors.ts';

interface Waiting {
  client: string;
  start: () => void;
}

export interface KdfQueueOptions {
  concurrency: number;
  maxQueued: number;
  maxPerClient: number;
}

export class KdfQueue {
  readonly #opts: KdfQueueOptions;
  #running = 0;
  readonly #waiting: Waiting[] = [];
  readonly #perClient = new Map<string, number>();
  /** Checks refused because a bound was reached, since start. */
  refused = 0;

  constructor(opts: KdfQueueOptions) {
    this.#opts = opts;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  async run<T>(client: string, job: () => Promise<T>): Promise<T> {
    const held = this.#perClient.get(client) ?? 0;
    if (held >= this.#opts.maxPerClient) {
      this.refused++;
      throw new AircheckError('AUTH_BUSY', `this client already has ${held} password checks waiting: wait for their answers before sending more logins`);
    }
    if (this.#running >= this.#opts.concurrency && this.#waiting.length >= this.#opts.maxQueued) {
      this.refused++;
      throw new AircheckError('AUTH_BUSY', `${this.#waiting.length} password checks are already waiting: try again in a few seconds`);
    }
    this.#perClient.set(client, held + 1);
    try {
      if (this.#running >= this.#opts.concurrency) {
        await new Promise<void>((start) => this.#waiting.push({ client, start }));
      } else {
        this.#running++;
      }
      return await job();
    } finally {
      const now = (this.#perClient.get(client) ?? 1) - 1;
      if (now <= 0) this.#perClient.delete(client);
      else this.#perClient.set(client, now);
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiting check; else it is freed.
      if (next) next.start();
      else this.#running--;
    }
  }
}
