// Shared look of the studio's elements.
import { css } from 'lit';

export const panelStyles = css`
  :host { display: block; font: 14px/1.4 system-ui, sans-serif; color: #e8e8ea; }
  section { background: #1d1f24; border: 1px solid #2e313a; border-radius: 8px; padding: 12px; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .08em; margin: 0 0 8px; color: #9aa0ad; }
  button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid #4a4f5c; background: #2a2d35; color: inherit; cursor: pointer; }
  button[aria-pressed="true"] { background: #3b6fd1; border-color: #3b6fd1; }
  button:disabled { opacity: .45; cursor: default; }
  button:focus-visible, input:focus-visible, select:focus-visible { outline: 2px solid #7aa7ff; outline-offset: 2px; }
  input, select { font: inherit; background: #121317; color: inherit; border: 1px solid #4a4f5c; border-radius: 4px; padding: 4px 6px; }
  label { display: inline-flex; gap: 6px; align-items: center; }
  .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
`;
