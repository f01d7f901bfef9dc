// The on-air panel: bitrate, Connect (→ private /test), Go live (→ /live), End show, and the ON AIR
// light, which shows only what the bridge has confirmed.
import { css, html, nothing } from 'lit';
import { BITRATES_KBPS } from '../encode/encoder-service.ts';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';

const PENDING_TEXT: Record<string, string> = {
  connect: 'Connecting to the bridge…', test: 'Going to the private test mount…', live: 'Going live… waiting for the bridge',
  end: 'Ending the show… sending the last audio',
};

export class StudioOnAir extends StudioElement {
  static override styles = [panelStyles, css`
    .light { display: inline-block; padding: 6px 14px; border-radius: 6px; font-weight: 700; letter-spacing: .1em; background: #2a2d35; color: #6b7080; }
    .light.on { background: #e5484d; color: #fff; box-shadow: 0 0 16px #e5484d88; }
    .light.test { background: #3b6fd1; color: #fff; }`];

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    const phase = s.phase;
    const busy = s.pending !== null;
    const light = s.onAir ? html`<span class="light on">ON AIR</span>`
      : phase === 'test' ? html`<span class="light test">On /test (private preview)</span>`
      : phase === 'live' ? html`<span class="light">Live — connection lost, reconnecting</span>`
      : html`<span class="light">Off air</span>`;
    return html`<section aria-labelledby="onair-h">
      <h2 id="onair-h">Broadcast</h2>
      <div class="row">
        <label>Bitrate <select ?disabled=${phase !== 'off'} @change=${(e: Event) => s.setBitrate(Number((e.target as HTMLSelectElement).value))}>
          ${BITRATES_KBPS.map((b) => html`<option value=${b} ?selected=${b === s.bitrateKbps}>${b} kbps</option>`)}
        </select></label>
        <button ?disabled=${busy || phase !== 'off' || !s.engine} @click=${() => void s.connect()}>Connect</button>
        <button ?disabled=${busy || phase !== 'test'} @click=${() => void s.goLive()}>Go live</button>
        ${phase === 'live' ? html`<button ?disabled=${busy} @click=${() => void s.backToTest()}>Back to test</button>` : nothing}
        <button ?disabled=${busy || phase === 'off' || phase === 'ending'} @click=${() => void s.endShow()}>End show</button>
      </div>
      <p role="status" aria-live="polite" aria-label="On-air state">${light}
        ${s.pending ? html` <span>${PENDING_TEXT[s.pending] ?? ''}</span>` : nothing}</p>
      ${s.message ? html`<p role="alert">${s.message}</p>` : nothing}
    </section>`;
  }
}
customElements.define('studio-on-air', StudioOnAir);
