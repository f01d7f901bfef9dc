// A level meter: peak and RMS bars in dBFS, exposed to assistive technology as role=meter.
import { LitElement, css, html } from 'lit';
import { MIN_DB } from '../audio/meter-math.ts';

export class StudioMeter extends LitElement {
  static override properties = {
    label: { type: String },
    peakDb: { type: Number },
    rmsDb: { type: Number },
  };
  static override styles = css`
    :host { display: block; min-width: 140px; }
    .track { position: relative; height: 10px; background: #0b0c0f; border-radius: 3px; overflow: hidden; }
    .rms, .peak { position: absolute; top: 0; bottom: 0; left: 0; }
    .rms { background: linear-gradient(90deg, #2fbf71 0 70%, #e0c341 70% 90%, #e5484d 90%); }
    .peak { width: 2px; background: #fff; }
    .value { font: 11px/1.2 ui-monospace, monospace; color: #9aa0ad; }
  `;
  // `declare`: a class field would shadow Lit's reactive accessor (define semantics, ES2022+).
  declare label: string;
  declare peakDb: number;
  declare rmsDb: number;

  constructor() {
    super();
    this.label = 'Level';
    this.peakDb = MIN_DB;
    this.rmsDb = MIN_DB;
  }

  override render() {
    const pct = (db: number) => `${Math.max(0, Math.min(100, ((db - MIN_DB) / -MIN_DB) * 100)).toFixed(1)}%`;
    const peak = Math.round(this.peakDb);
    return html`<div role="meter" aria-label=${this.label} aria-valuemin=${MIN_DB} aria-valuemax="0"
        aria-valuenow=${peak} aria-valuetext=${`peak ${peak} dB, RMS ${Math.round(this.rmsDb)} dB`}>
      <div class="track"><div class="rms" style="width:${pct(this.rmsDb)}"></div><div class="peak" style="left:${pct(this.peakDb)}"></div></div>
      <div class="value" aria-hidden="true">${peak <= MIN_DB ? '−∞' : peak} dB</div>
    </div>`;
  }
}
customElements.define('studio-meter', StudioMeter);
