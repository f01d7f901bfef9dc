// The broadcast panel: bitrate, Connect (→ private /test), Go live (→ /live), Back to test, and what
// a pending transition waits for. The state itself (ON AIR, …), End show and messages are in the
// sticky <studio-header>.
import { html, nothing } from 'lit';
import { BITRATES_KBPS } from '../encode/encoder-service.ts';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';

const PENDING_TEXT: Record<string, string> = {
  connect: 'Connecting to the bridge…', test: 'Going to the private test mount…', live: 'Going live… waiting for the bridge',
  end: 'Ending the show… sending the last audio',
};

export class StudioOnAir extends StudioElement {
  static override styles = panelStyles;

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    const phase = s.phase;
    const busy = s.pending !== null;
    return html`<section aria-labelledby="onair-h">
      <h2 id="onair-h">Broadcast</h2>
      <div class="row">
        <label>Bitrate <select ?disabled=${phase !== 'off'} @change=${(e: Event) => s.setBitrate(Number((e.target as HTMLSelectElement).value))}>
          ${BITRATES_KBPS.map((b) => html`<option value=${b} ?selected=${b === s.bitrateKbps}>${b} kbps</option>`)}
        </select></label>
        <button ?disabled=${busy || phase !== 'off' || !s.engine} @click=${() => void s.connect()}>Connect</button>
        <button ?disabled=${busy || phase !== 'test'} @click=${() => void s.goLive()}>Go live</button>
        ${phase === 'live' ? html`<button ?disabled=${busy} @click=${() => void s.backToTest()}>Back to test</button>` : nothing}
      </div>
      ${s.pending ? html`<p role="status" aria-live="polite" aria-label="Pending transition">${PENDING_TEXT[s.pending] ?? ''}</p>` : nothing}
    </section>`;
  }
}
customElements.define('studio-on-air', StudioOnAir);
