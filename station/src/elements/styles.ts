// The station page's shared look, on the design tokens of shared/src/ui/tokens.ts (--ac-*).
import { css } from 'lit';

export const baseStyles = css`
  :host { display: block; font: var(--ac-font); color: var(--ac-text); min-width: 0; }
  * { box-sizing: border-box; }
  a { color: var(--ac-focus); text-underline-offset: 2px; }
  button { font: inherit; color: inherit; cursor: pointer; }
  button:focus-visible, a:focus-visible, input:focus-visible, summary:focus-visible { outline: 2px solid var(--ac-focus); outline-offset: 2px; }
  h2, h3 { margin: 0; }
  .muted { color: var(--ac-text-muted); }
  .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
  .panel { background: var(--ac-panel); border: 1px solid var(--ac-border); border-radius: var(--ac-radius); padding: calc(var(--ac-pad) * 1.5); }
`;
