// Base of the console's elements: given the ConsoleState, re-rendered whenever it changes.
import { LitElement } from 'lit';
import type { PropertyDeclarations, ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConsoleState } from '../console-state.ts';

class StateController implements ReactiveController {
  #host: ReactiveControllerHost;
  #state: () => ConsoleState | undefined;
  #subscribed: ConsoleState | undefined;
  #unsubscribe: (() => void) | null = null;

  constructor(host: ReactiveControllerHost, state: () => ConsoleState | undefined) {
    this.#host = host;
    this.#state = state;
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
    const state = this.#state();
    if (state === this.#subscribed) return;
    this.#unsubscribe?.();
    this.#subscribed = state;
    this.#unsubscribe = state?.subscribe(() => this.#host.requestUpdate()) ?? null;
  }
}

export class ConsoleElement extends LitElement {
  static override properties: PropertyDeclarations = { app: { attribute: false } };
  declare app?: ConsoleState;

  constructor() {
    super();
    new StateController(this, () => this.app);
  }
}
