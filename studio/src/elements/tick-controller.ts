// A Lit ReactiveController that re-renders its host once a second while `running()` holds (the show
// timer); it owns the interval, so the element only renders.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class TickController implements ReactiveController {
  #host: ReactiveControllerHost;
  #running: () => boolean;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly everyMs: number;

  constructor(host: ReactiveControllerHost, running: () => boolean, everyMs = 1000) {
    this.#host = host;
    this.#running = running;
    this.everyMs = everyMs;
    host.addController(this);
  }

  hostUpdated(): void {
    const want = this.#running();
    if (want && !this.#timer) this.#timer = setInterval(() => this.#host.requestUpdate(), this.everyMs);
    else if (!want && this.#timer) this.hostDisconnected();
  }

  hostDisconnected(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
