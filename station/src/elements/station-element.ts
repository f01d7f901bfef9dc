// Base of the station page's elements: given the Station, re-rendered whenever it changes (the
// Station object stays the same, so a property binding alone would not update the children).
import { LitElement } from 'lit';
import type { PropertyDeclarations } from 'lit';
import { SubscriptionController } from '../../../shared/src/ui/subscription-controller.ts';
import type { Station } from '../station.ts';

export class StationElement extends LitElement {
  static override properties: PropertyDeclarations = { station: { attribute: false } };
  declare station?: Station;

  constructor() {
    super();
    new SubscriptionController(this, () => this.station);
  }
}
