// A Lit ReactiveController that re-renders its host whenever a subscribable model changes (the
// studio's Studio, the console's state, the station page's Station). It (re)subscribes before each
// update, because the model is given after the element is connected and may be replaced.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface Subscribable {
  /** Calls listener on every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export class SubscriptionController<T extends Subscribable> implements ReactiveController {
  #host: ReactiveControllerHost;
  #model: () => T | undefined;
  #subscribed: T | undefined;
  #unsubscribe: (() => void) | null = null;

  constructor(host: ReactiveControllerHost, model: () => T | undefined) {
    this.#host = host;
    this.#model = model;
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
    const model = this.#model();
    if (model === this.#subscribed) return;
    this.#unsubscribe?.();
    this.#subscribed = model;
    this.#unsubscribe = model?.subscribe(() => this.#host.requestUpdate()) ?? null;
  }
}
