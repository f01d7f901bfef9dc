// A level meter on the fixed dBFS scale of meter-math.ts (−60 … 0): the bar shows the peak level,
// coloured by zones fixed to the track (green, yellow from −18, red from −6), with an RMS marker, a
// peak-hold marker, tick labels and a clip latch that stays lit until clicked. Exposed to
// assistive technology as role=meter; data-zone on the host tells the zone of the current peak.
import { LitElement, css, html, nothing } from 'lit';
import { METER_TICKS, METER_ZONES, MIN_DB, PeakHold, dbToPosition, isClip, meterZone } from '../audio/meter-math.ts';

const pct = (position: number) => `${(position * 100).toFixed(2)}%`;

export class StudioMeter extends LitElement {
  static override properties = {
    label: { type: String },
    // Always re-render on a reading, even an unchanged one: the peak-hold marker moves with time.
    peakDb: { type: Number, hasChanged: () => true },
    rmsDb: { type: Number },
  };
  static override styles = css`
    :host { display: block; min-width: 160px; }
    .bar { display: grid; grid-template-columns: 1fr auto; align-items: center; column-gap: 6px; }
    .track { position: relative; height: 12px; background: #0b0c0f; border-radius: 3px; overflow: hidden; }
    .zones { position: absolute; inset: 0; }
    .seg { position: absolute; top: 0; bottom: 0; }
    .unlit .seg { opacity: 0.18; }
    .green { background-color: #2fbf71; }
    .yellow { background-color: #e0c341; }
    .red { background-color: #e5484d; }
    .rms, .hold { position: absolute; top: 0; bottom: 0; width: 2px; margin-left: -1px; }
    .rms { background: rgba(0, 0, 0, 0.55); }
    .hold { background: #fff; }
    .clip { font: 600 10px/1 ui-monospace, monospace; padding: 2px 4px; border-radius: 3px; border: 1px solid #3a3f4b;
      background: #1b1e25; color: #5c6270; cursor: pointer; }
    .clip[aria-pressed='true'] { background: #e5484d; border-color: #e5484d; color: #fff; }
    .scale { position: relative; height: 12px; font: 9px/12px ui-monospace, monospace; color: #9aa0ad; }
    .tick { position: absolute; top: 0; transform: translateX(-50%); white-space: nowrap; }
    .tick:first-child { transform: none; }
    .tick:last-child { transform: translateX(-100%); }
    .value { font: 11px/1.2 ui-monospace, monospace; color: #9aa0ad; }
  `;
  // `declare`: a class field would shadow Lit's reactive accessor (define semantics, ES2022+).
  declare label: string;
  declare peakDb: number;
  declare rmsDb: number;
  #hold = new PeakHold();
  #clipped = false;

  constructor() {
    super();
    this.label = 'Level';
    this.peakDb = MIN_DB;
    this.rmsDb = MIN_DB;
  }

  override render() {
    const held = this.#hold.update(this.peakDb, performance.now());
    if (isClip(this.peakDb)) this.#clipped = true;
    const zone = meterZone(this.peakDb);
    this.dataset['zone'] = zone;
    const level = dbToPosition(this.peakDb);
    const peak = Math.round(this.peakDb);
    const zones = METER_ZONES.map((z) => html`<div class="seg ${z.zone}" data-zone=${z.zone} style="left:${pct(z.from)};width:${pct(z.to - z.from)}"></div>`);
    return html`<div role="meter" aria-label=${this.label} aria-valuemin=${MIN_DB} aria-valuemax="0"
        aria-valuenow=${peak} aria-valuetext=${`peak ${peak} dB, RMS ${Math.round(this.rmsDb)} dB, ${zone}${this.#clipped ? ', clipped' : ''}`}>
      <div class="bar">
        <div class="track">
          <div class="zones unlit">${zones}</div>
          <div class="zones lit" style="clip-path:inset(0 ${pct(1 - level)} 0 0)">${zones}</div>
          ${this.rmsDb > MIN_DB ? html`<div class="rms" style="left:${pct(dbToPosition(this.rmsDb))}"></div>` : nothing}
          ${held > MIN_DB ? html`<div class="hold" style="left:${pct(dbToPosition(held))}"></div>` : nothing}
        </div>
        <button class="clip" aria-label=${`${this.label} clip`} aria-pressed=${String(this.#clipped)}
          title="Lit when a peak reached −0.1 dBFS; click to reset" @click=${this.#resetClip}>CLIP</button>
        <div class="scale" aria-hidden="true">${METER_TICKS.map((db) => html`<span class="tick" style="left:${pct(dbToPosition(db))}">${db}</span>`)}</div>
      </div>
      <div class="value" aria-hidden="true">${peak <= MIN_DB ? '−∞' : peak} dB</div>
    </div>`;
  }

  #resetClip = () => {
    this.#clipped = false;
    this.requestUpdate();
  };
}
customElements.define('studio-meter', StudioMeter);
