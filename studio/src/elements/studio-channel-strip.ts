// One mixer channel: name, gain fader, mute, cue, voice/music mode (inputs), meter.
import { css, html, nothing } from 'lit';
import type { ChannelSettings, InputMode } from '../audio/mixer-model.ts';
import { FADER_MAX_DB, FADER_MIN_DB } from '../audio/mixer-model.ts';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';
import './studio-meter.ts';

export class StudioChannelStrip extends StudioElement {
  static override properties = { channel: { attribute: false } };
  static override styles = [panelStyles, css`section { display: grid; gap: 8px; min-width: 200px; } h3 { margin: 0; font-size: 15px; }`];
  declare channel?: ChannelSettings;

  override render() {
    const s = this.studio;
    const ch = this.channel;
    if (!s || !ch) return nothing;
    const level = s.level(ch.id);
    return html`<section aria-label=${`${ch.label} channel`}>
      <h3>${ch.label}</h3>
      <label>Gain <input type="range" min=${FADER_MIN_DB} max=${FADER_MAX_DB} step="0.5" .value=${String(ch.gainDb)}
        aria-label=${`${ch.label} gain`} aria-valuetext=${`${ch.gainDb} dB`}
        @input=${(e: Event) => s.updateChannel(ch.id, { gainDb: Number((e.target as HTMLInputElement).value) })}>
        <output>${ch.gainDb <= FADER_MIN_DB ? '−∞' : ch.gainDb} dB</output></label>
      <div class="row">
        <button aria-pressed=${String(ch.muted)} aria-label=${`Mute ${ch.label}`} @click=${() => s.updateChannel(ch.id, { muted: !ch.muted })}>Mute</button>
        <button aria-pressed=${String(ch.cue)} aria-label=${`Cue ${ch.label}`} @click=${() => s.updateChannel(ch.id, { cue: !ch.cue })}>Cue</button>
        ${ch.kind === 'input' ? html`
          <label>Mode <select aria-label=${`${ch.label} mode`} @change=${(e: Event) => void s.setMode(ch.id, (e.target as HTMLSelectElement).value as InputMode)}>
            <option value="voice" ?selected=${ch.mode === 'voice'}>Voice</option>
            <option value="music" ?selected=${ch.mode === 'music'}>Music / line</option>
          </select></label>
          <button aria-label=${`Remove ${ch.label}`} @click=${() => s.removeInput(ch.id)}>Remove</button>` : nothing}
      </div>
      <studio-meter .label=${`${ch.label} level`} .peakDb=${level.peakDb} .rmsDb=${level.rmsDb}></studio-meter>
    </section>`;
  }
}
customElements.define('studio-channel-strip', StudioChannelStrip);
