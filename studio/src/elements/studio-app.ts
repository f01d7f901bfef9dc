// The studio page: the sticky header (state, timer, listeners, End show), then sign-in, or the mixer
// (inputs, carts, master), the broadcast panel, now-playing, health and the monitor. Given the
// Studio (composition root); only renders it. One column under 800 px, nothing wider than a phone.
import { css, html, nothing } from 'lit';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';
import './studio-header.ts';
import './studio-sign-in.ts';
import './studio-inputs.ts';
import './studio-cart-wall.ts';
import './studio-master.ts';
import './studio-on-air.ts';
import './studio-now-playing.ts';
import './studio-show-settings.ts';
import './studio-health.ts';
import './studio-monitor.ts';

export class StudioApp extends StudioElement {
  static override styles = [panelStyles, css`
    :host { max-width: 1200px; margin: 0 auto; padding: 0 16px 16px; box-sizing: border-box; }
    studio-header { position: sticky; top: 0; z-index: 10; margin: 0 -16px 12px; }
    .grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 12px; }
    .col { display: grid; gap: 12px; align-content: start; min-width: 0; }
    .col > * { min-width: 0; }
    @media (max-width: 800px) { .grid { grid-template-columns: minmax(0, 1fr); } }
    @media (max-width: 560px) { :host { padding: 0 8px 8px; } studio-header { margin: 0 -8px 8px; } }`];

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    if (!s.user) {
      return html`<studio-header .studio=${s}></studio-header><main><studio-sign-in .studio=${s}></studio-sign-in></main>`;
    }
    return html`<studio-header .studio=${s}></studio-header>
      <main class="grid">
        <div class="col">
          <studio-on-air .studio=${s}></studio-on-air>
          <studio-inputs .studio=${s}></studio-inputs>
          <studio-cart-wall .studio=${s}></studio-cart-wall>
        </div>
        <div class="col">
          <studio-master .studio=${s}></studio-master>
          <studio-show-settings .studio=${s}></studio-show-settings>
          <studio-now-playing .studio=${s}></studio-now-playing>
          <studio-health .studio=${s}></studio-health>
          <studio-monitor .studio=${s}></studio-monitor>
        </div>
      </main>`;
  }
}
customElements.define('studio-app', StudioApp);
