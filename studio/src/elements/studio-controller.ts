// A Lit ReactiveController that re-renders its host whenever the Studio changes (state, meters).
// It (re)subscribes before each update, because the Studio is given after the element is connected.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Studio } from '../studio.ts';

export class StudioController implements ReactiveController {
  #host: ReactiveControllerHost;
  #studio: () => Studio | undefined;
  #subscribed: Studio | undefined;
  #unsubscribe: (() => void) | null = null;

  constructor(host: ReactiveControllerHost, studio: () => Studio | undefined) {
    this.#host = host;
    this.#studio = studio;
    host.addController(this);
  }

  hostConnected(): void {
    this.#follow();
  }

  hostUpdate(): void {
    this.#follow();
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#subscribed = undefined;
  }

  #follow(): void {
    const studio = this.#studio();
    if (studio === this.#subscribed) return;
    this.#unsubscribe?.();
    this.#subscribed = studio;
    this.#unsubscribe = studio?.subscribe(() => this.#host.requestUpdate()) ?? null;
  }
}
