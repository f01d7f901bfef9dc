// Base of the station page's elements: given the Station, re-rendered whenever it changes (the
// Station object stays the same, so a property binding alone would not update the children).
import { LitElement } from 'lit';
import type { PropertyDeclarations, ReactiveController, ReactiveControllerHost } from 'lit';
import type { Station } from '../station.ts';

/** Re-renders its host on every change of the Station; re-subscribes when it is given another. */
export class StationController implements ReactiveController {
  #host: ReactiveControllerHost;
  #station: () => Station | undefined;
  #subscribed: Station | undefined;
  #unsubscribe: (() => void) | null = null;

  constructor(host: ReactiveControllerHost, station: () => Station | undefined) {
    this.#host = host;
    this.#station = station;
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
    const station = this.#station();
    if (station === this.#subscribed) return;
    this.#unsubscribe?.();
    this.#subscribed = station;
    this.#unsubscribe = station?.subscribe(() => this.#host.requestUpdate()) ?? null;
  }
}

export class StationElement extends LitElement {
  static override properties: PropertyDeclarations = { station: { attribute: false } };
  declare station?: Station;

  constructor() {
    super();
    new StationController(this, () => this.station);
  }
}
