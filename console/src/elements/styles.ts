// Shared look of the console's elements, on the design tokens the studio and station page share.
import { css } from 'lit';
import { designTokens } from '../../../shared/src/ui/tokens.ts';

export const consoleStyles = [designTokens, css`
  :host { display: block; font: var(--ac-font); color: var(--ac-text); }
  * { box-sizing: border-box; }
  h1 { font-size: 20px; margin: 0 0 12px; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .08em; margin: 0 0 8px; color: var(--ac-text-muted); }
  h3 { font-size: 15px; margin: 0 0 6px; }
  section, .card { background: var(--ac-panel); border: 1px solid var(--ac-border); border-radius: var(--ac-radius); padding: var(--ac-pad); min-width: 0; }
  a { color: var(--ac-focus); }
  button, .button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--ac-border-strong); background: var(--ac-panel-raised); color: inherit; cursor: pointer; text-decoration: none; display: inline-block; }
  button.primary { background: var(--ac-accent); border-color: var(--ac-accent); }
  button.danger { border-color: var(--ac-bad); color: #ffb4b6; }
  button:disabled { opacity: .45; cursor: default; }
  a:focus-visible, button:focus-visible, .button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, canvas:focus-visible {
    outline: 2px solid var(--ac-focus); outline-offset: 2px;
  }
  input, select, textarea { font: inherit; background: var(--ac-bg); color: inherit; border: 1px solid var(--ac-border-strong); border-radius: var(--ac-radius-small); padding: 4px 6px; max-width: 100%; }
  label { display: inline-flex; gap: 6px; align-items: center; flex-wrap: wrap; }
  form.stack { display: grid; gap: 10px; max-width: 420px; }
  form.stack label { display: grid; gap: 4px; }
  .row { display: flex; gap: var(--ac-gap); align-items: center; flex-wrap: wrap; }
  .stack { display: grid; gap: 12px; min-width: 0; }
  .muted { color: var(--ac-text-muted); }
  .mono, code { font: var(--ac-font-mono); overflow-wrap: anywhere; }
  .bad { color: #ffb4b6; }
  .ok { color: #7ee2a8; }
  .warn { color: var(--ac-warn); }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 999px; border: 1px solid var(--ac-border-strong); font-size: 12px; white-space: nowrap; }
  .badge.ok { border-color: var(--ac-ok); }
  .badge.bad { border-color: var(--ac-bad); background: rgba(229, 72, 77, .15); }
  .badge.warn { border-color: var(--ac-warn); }
  .badge.live { border-color: var(--ac-live); background: var(--ac-live); color: #fff; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--ac-border); vertical-align: top; overflow-wrap: break-word; }
  th { color: var(--ac-text-muted); font-weight: 600; white-space: nowrap; }
  td button { white-space: nowrap; }
  .table-wrap { overflow-x: auto; max-width: 100%; }
  dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 12px; margin: 0; }
  dl.facts dt { color: var(--ac-text-muted); }
  dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
  ul.plain { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
  @media (max-width: 560px) { dl.facts { grid-template-columns: minmax(0, 1fr); } dl.facts dd { margin-bottom: 6px; } }
`];
