// The cart wall: local audio files (jingles, beds, tracks) the DJ fires into the Carts channel.
import { css, html, nothing } from 'lit';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';

export class StudioCartWall extends StudioElement {
  static override styles = [panelStyles, css`.carts { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 8px; margin-top: 8px; }
    .cart button.play { width: 100%; min-height: 56px; } .cart button.play[aria-pressed="true"] { background: #c2410c; }`];

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    return html`<section aria-labelledby="carts-h">
      <h2 id="carts-h">Cart wall</h2>
      <label>Add cart files <input type="file" accept="audio/*" multiple
        @change=${(e: Event) => { const input = e.target as HTMLInputElement; void s.addCarts([...(input.files ?? [])]).then(() => { input.value = ''; }); }}></label>
      <div class="carts">
        ${s.carts.map((c) => html`<div class="cart">
          <button class="play" aria-pressed=${String(c.playing)} aria-label=${`${c.playing ? 'Stop' : 'Play'} ${c.name}`} @click=${() => s.toggleCart(c.id)}>
            ${c.playing ? '■' : '▶'} ${c.name}<br><small>${formatDuration(c.durationS)}</small></button>
          <button aria-label=${`Remove cart ${c.name}`} @click=${() => s.removeCart(c.id)}>✕</button>
        </div>`)}
      </div>
    </section>`;
  }
}

function formatDuration(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}
customElements.define('studio-cart-wall', StudioCartWall);
