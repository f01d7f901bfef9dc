// Base of the console's elements: given the ConsoleState, re-rendered whenever it changes.
import { LitElement } from 'lit';
import type { PropertyDeclarations } from 'lit';
import { SubscriptionController } from '../../../shared/src/ui/subscription-controller.ts';
import type { ConsoleState } from '../console-state.ts';

export class ConsoleElement extends LitElement {
  static override properties: PropertyDeclarations = { app: { attribute: false } };
  declare app?: ConsoleState;

  constructor() {
    super();
    new SubscriptionController(this, () => this.app);
  }
}
