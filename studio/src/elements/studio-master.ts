// The master section: master fader, limiter activity, master meter, talkover and the cue level.
import { css, html, nothing } from 'lit';
import { FADER_MAX_DB, FADER_MIN_DB } from '../audio/mixer-model.ts';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';
import './studio-meter.ts';

export class StudioMaster extends StudioElement {
  static override styles = [panelStyles, css`section { display: grid; gap: 8px; }`];

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    const m = s.master;
    const level = s.level('master');
    const reduction = s.limiterReductionDb;
    return html`<section aria-labelledby="master-h">
      <h2 id="master-h">Master</h2>
      <label>Master gain <input type="range" min=${FADER_MIN_DB} max=${FADER_MAX_DB} step="0.5" .value=${String(m.gainDb)}
        aria-valuetext=${`${m.gainDb} dB`} @input=${(e: Event) => s.updateMaster({ gainDb: Number((e.target as HTMLInputElement).value) })}>
        <output>${m.gainDb} dB</output></label>
      <studio-meter .label=${'Master level'} .peakDb=${level.peakDb} .rmsDb=${level.rmsDb}></studio-meter>
      <div aria-label="Limiter">Limiter: ${reduction < -0.5 ? `reducing ${(-reduction).toFixed(1)} dB` : 'idle'} (output never clips)</div>
      <div class="row">
        <button aria-pressed=${String(m.talkover)} aria-keyshortcuts="T" title="Or hold T" @click=${() => s.updateMaster({ talkover: !m.talkover })}>Talkover</button>
        <label>Talkover depth <input type="range" min="3" max="30" step="1" .value=${String(m.talkoverDepthDb)}
          aria-valuetext=${`${m.talkoverDepthDb} dB`} @input=${(e: Event) => s.updateMaster({ talkoverDepthDb: Number((e.target as HTMLInputElement).value) })}>
          <output>−${m.talkoverDepthDb} dB</output></label>
      </div>
      <label>Cue volume <input type="range" min=${FADER_MIN_DB} max="0" step="1" .value=${String(m.cueGainDb)}
        aria-valuetext=${`${m.cueGainDb} dB`} @input=${(e: Event) => s.updateMaster({ cueGainDb: Number((e.target as HTMLInputElement).value) })}></label>
    </section>`;
  }
}
customElements.define('studio-master', StudioMaster);
