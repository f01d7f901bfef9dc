// The cart wall: local audio files (jingles, beds, tracks) the DJ fires into the Carts channel, with
// their time left, loop, keys 1–9 and the talkover key; kept in this browser across reloads
// (studio/src/carts/). Renders the Studio's carts; the Studio handles the keys.
import { css, html, nothing } from 'lit';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';
import { TALKOVER_KEY, formatCountdown } from '../carts/cart-keys.ts';

export class StudioCartWall extends StudioElement {
  static override styles = [panelStyles, css`.carts { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 8px; margin-top: 8px; }
    .cart { display: grid; gap: 4px; }
    .cart button.play { width: 100%; min-height: 56px; text-align: left; } .cart button.play[aria-pressed="true"] { background: #c2410c; }
    .cart .remaining { font-variant-numeric: tabular-nums; font-size: 16px; }
    .cart kbd { float: right; border: 1px solid #4a4f5c; border-radius: 3px; padding: 0 4px; font-size: 12px; }
    .tools { display: flex; gap: 4px; } .tools button { flex: 1; padding: 4px 6px; }
    .error { display: flex; gap: 8px; align-items: center; justify-content: space-between; background: #4a1d1d; border: 1px solid #b91c1c; border-radius: 6px; padding: 6px 8px; margin: 8px 0 0; }
    .hint { color: #9aa0ad; font-size: 12px; margin: 6px 0 0; }`];

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    return html`<section aria-labelledby="carts-h">
      <h2 id="carts-h">Cart wall</h2>
      <label>Add cart files <input type="file" accept="audio/*" multiple
        @change=${(e: Event) => { const input = e.target as HTMLInputElement; void s.addCarts([...(input.files ?? [])]).then(() => { input.value = ''; }); }}></label>
      ${s.cartError ? html`<p class="error" role="alert"><span>${s.cartError}</span>
        <button aria-label="Dismiss the cart error" @click=${() => s.dismissCartError()}>Dismiss</button></p>` : nothing}
      <div class="carts">
        ${s.carts.map((c, i) => html`<div class="cart" data-cart=${c.name}>
          <button class="play" aria-pressed=${String(c.playing)} aria-keyshortcuts=${i < 9 ? String(i + 1) : nothing}
            aria-label=${`${c.playing ? 'Stop' : 'Play'} ${c.name}`} @click=${() => s.toggleCart(c.id)}>
            ${i < 9 ? html`<kbd>${i + 1}</kbd>` : nothing}${c.playing ? '■' : '▶'} ${c.name}<br>
            <span class="remaining" role="timer" aria-label=${`${c.name}: ${c.playing ? 'time left' : 'length'}`}>${c.playing ? '−' : ''}${formatCountdown(s.cartRemainingS(c.id))}</span></button>
          <div class="tools">
            <button aria-pressed=${String(c.loop)} aria-label=${`Loop ${c.name}`} @click=${() => s.setCartLoop(c.id, !c.loop)}>⟳ Loop</button>
            <button aria-label=${`Remove cart ${c.name}`} @click=${() => s.removeCart(c.id)}>✕</button>
          </div>
        </div>`)}
      </div>
      <p class="hint">Keys 1–9 fire the first nine carts; hold ${TALKOVER_KEY.toUpperCase()} to talk over (music and carts dip while held). Not while typing in a field. Carts stay in this browser.</p>
    </section>`;
  }
}
customElements.define('studio-cart-wall', StudioCartWall);
