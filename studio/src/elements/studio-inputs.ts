// The inputs: one channel strip per microphone / line input and the carts, plus "Add input".
import { html, nothing } from 'lit';
import type { InputMode } from '../audio/mixer-model.ts';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';
import './studio-channel-strip.ts';

export class StudioInputs extends StudioElement {
  static override styles = panelStyles;

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    return html`<section aria-labelledby="inputs-h">
      <h2 id="inputs-h">Inputs</h2>
      <div class="row" style="align-items:stretch">
        ${s.channels.map((ch) => html`<studio-channel-strip .studio=${s} .channel=${ch}></studio-channel-strip>`)}
      </div>
      <form class="row" style="margin-top:8px" @submit=${(e: Event) => this.#add(e)}>
        <label>Input device <select name="device">
          <option value="">Default input</option>
          ${s.devices.map((d) => html`<option value=${d.deviceId}>${d.label}</option>`)}
        </select></label>
        <label>Input mode <select name="mode"><option value="voice">Voice</option><option value="music">Music / line</option></select></label>
        <button type="submit">Add input</button>
      </form>
    </section>`;
  }

  #add(e: Event): void {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    void this.studio?.addInput(String(form.get('device') ?? ''), String(form.get('mode')) as InputMode);
  }
}
customElements.define('studio-inputs', StudioInputs);
