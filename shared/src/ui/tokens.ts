// Design tokens shared by the studio, the admin console and the station page: one palette, one type
// scale, one spacing rhythm, as CSS custom properties on :host / :root. Runs in the browser only (lit).
import { css } from 'lit';

/** Put on a page's root element (`:host` of the app element) or adopt into `document`. */
export const designTokens = css`
  :host, :root {
    --ac-bg: #121317;
    --ac-panel: #1d1f24;
    --ac-panel-raised: #2a2d35;
    --ac-border: #2e313a;
    --ac-border-strong: #4a4f5c;
    --ac-text: #e8e8ea;
    --ac-text-muted: #9aa0ad;
    --ac-accent: #3b6fd1;
    --ac-focus: #7aa7ff;
    --ac-live: #e5484d;
    --ac-ok: #30a46c;
    --ac-warn: #f5a524;
    --ac-bad: #e5484d;
    --ac-radius: 8px;
    --ac-radius-small: 4px;
    --ac-gap: 8px;
    --ac-pad: 12px;
    --ac-font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    --ac-font-mono: 13px/1.4 ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
  }
`;
