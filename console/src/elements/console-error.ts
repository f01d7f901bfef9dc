// An API error as a person sees it: its stable code and its message (which says what to do).
import { css, html, nothing } from 'lit';
import type { PropertyDeclarations } from 'lit';
import { LitElement } from 'lit';
import type { ShownError } from './api-resource.ts';
import { consoleStyles } from './styles.ts';

export class ConsoleError extends LitElement {
  static override properties: PropertyDeclarations = { error: { attribute: false } };
  static override styles = [...consoleStyles, css`
    p { margin: 6px 0; padding: 6px 10px; border: 1px solid var(--ac-bad); border-radius: var(--ac-radius-small); background: rgba(229, 72, 77, .12); overflow-wrap: anywhere; }
    code { font-weight: 700; margin-right: 6px; }`];
  declare error: ShownError | null;

  constructor() {
    super();
    this.error = null;
  }

  override render() {
    if (!this.error) return nothing;
    return html`<p role="alert"><code>${this.error.code}</code>${this.error.message}</p>`;
  }
}
customElements.define('console-error', ConsoleError);
