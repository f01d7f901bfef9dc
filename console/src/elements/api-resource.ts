// Lit controllers that own the console's requests, so elements only render: ApiResource loads a
// value (on connect, and again on reload()), ApiAction runs a change and keeps its outcome. Errors
// are kept as the API's {code, message} for <console-error>.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { describeError } from '../api/api-client.ts';

export type ShownError = { code: string; message: string };

export class ApiResource<T> implements ReactiveController {
  value: T | undefined = undefined;
  error: ShownError | null = null;
  loading = false;
  #host: ReactiveControllerHost;
  #load: () => Promise<T>;
  #seq = 0;
  readonly opts: { auto?: boolean };

  constructor(host: ReactiveControllerHost, load: () => Promise<T>, opts: { auto?: boolean } = {}) {
    this.#host = host;
    this.#load = load;
    this.opts = opts;
    host.addController(this);
  }

  hostConnected(): void {
    if (this.opts.auto !== false) void this.reload();
  }

  /** Loads again; an answer older than the newest request is dropped. */
  async reload(): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    this.#host.requestUpdate();
    try {
      const value = await this.#load();
      if (seq !== this.#seq) return;
      this.value = value;
      this.error = null;
    } catch (err) {
      if (seq !== this.#seq) return;
      this.error = describeError(err);
    } finally {
      if (seq === this.#seq) {
        this.loading = false;
        this.#host.requestUpdate();
      }
    }
  }
}

export class ApiAction implements ReactiveController {
  busy = false;
  error: ShownError | null = null;
  message = '';
  #host: ReactiveControllerHost;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {}

  /** Runs fn; on success shows `done` (a string or made from the result), on failure the error. */
  async run<R>(fn: () => Promise<R>, done: string | ((r: R) => string) = ''): Promise<R | undefined> {
    this.busy = true;
    this.error = null;
    this.message = '';
    this.#host.requestUpdate();
    try {
      const r = await fn();
      this.message = typeof done === 'function' ? done(r) : done;
      return r;
    } catch (err) {
      this.error = describeError(err);
      return undefined;
    } finally {
      this.busy = false;
      this.#host.requestUpdate();
    }
  }

  clear(): void {
    this.error = null;
    this.message = '';
    this.#host.requestUpdate();
  }
}
