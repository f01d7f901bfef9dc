// The studio page: sign-in, or the mixer (inputs, carts, master), the broadcast panel, now-playing,
// health and the preview. Given the Studio (composition root); only renders it.
import { css, html, nothing } from 'lit';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';
import './studio-sign-in.ts';
import './studio-inputs.ts';
import './studio-cart-wall.ts';
import './studio-master.ts';
import './studio-on-air.ts';
import './studio-now-playing.ts';
import './studio-health.ts';
import './studio-preview.ts';

export class StudioApp extends StudioElement {
  static override styles = [panelStyles, css`
    :host { max-width: 1200px; margin: 0 auto; padding: 16px; }
    header { display: flex; justify-content: space-between; align-items: center; margin-bottom: 12px; }
    h1 { font-size: 20px; margin: 0; }
    .grid { display: grid; grid-template-columns: 2fr 1fr; gap: 12px; }
    .col { display: grid; gap: 12px; align-content: start; }
    @media (max-width: 800px) { .grid { grid-template-columns: 1fr; } }`];

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    if (!s.user) {
      return html`<header><h1>Aircheck studio</h1></header><main><studio-sign-in .studio=${s}></studio-sign-in></main>`;
    }
    return html`<header><h1>Aircheck studio</h1>
        <div class="row"><span>Signed in as ${s.user.name}</span><button @click=${() => void s.signOut()}>Sign out</button></div></header>
      <main class="grid">
        <div class="col">
          <studio-on-air .studio=${s}></studio-on-air>
          <studio-inputs .studio=${s}></studio-inputs>
          <studio-cart-wall .studio=${s}></studio-cart-wall>
        </div>
        <div class="col">
          <studio-master .studio=${s}></studio-master>
          <studio-now-playing .studio=${s}></studio-now-playing>
          <studio-health .studio=${s}></studio-health>
          <studio-preview .studio=${s}></studio-preview>
        </div>
      </main>`;
  }
}
customElements.define('studio-app', StudioApp);
