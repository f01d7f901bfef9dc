// Base of the studio's elements: given the Studio, re-rendered whenever it changes (the Studio object
// itself stays the same, so a property binding alone would not update the children).
import { LitElement } from 'lit';
import type { PropertyDeclarations } from 'lit';
import type { Studio } from '../studio.ts';
import { StudioController } from './studio-controller.ts';

export class StudioElement extends LitElement {
  static override properties: PropertyDeclarations = { studio: { attribute: false } };
  declare studio?: Studio;

  constructor() {
    super();
    new StudioController(this, () => this.studio);
  }
}
