// Listeners over the last 24 hours as a small SVG area graph, with the peak and the time span in
// its accessible name. Only draws the series it is given.
import { LitElement, css, html, svg } from 'lit';
import type { PropertyDeclarations } from 'lit';
import type { HistoryPoint } from '../api/api-types.ts';

const W = 240;
const H = 48;

export class ConsoleSparkline extends LitElement {
  static override properties: PropertyDeclarations = { points: { attribute: false }, hours: { type: Number }, label: {} };
  static override styles = css`
    :host { display: block; }
    svg { width: 100%; max-width: 480px; height: 48px; display: block; background: var(--ac-bg, #121317); border-radius: 4px; }
    p { margin: 2px 0 0; font-size: 12px; color: var(--ac-text-muted, #9aa0ad); }`;
  declare points: HistoryPoint[];
  declare hours: number;
  declare label: string;

  constructor() {
    super();
    this.points = [];
    this.hours = 24;
    this.label = 'Listeners';
  }

  override render() {
    const now = Date.now();
    const from = now - this.hours * 3600_000;
    const pts = this.points.filter((p) => Date.parse(p.at) >= from);
    const peak = pts.reduce((m, p) => Math.max(m, p.listeners), 0);
    const max = Math.max(1, peak);
    const x = (at: string) => ((Date.parse(at) - from) / (now - from)) * W;
    const y = (n: number) => H - 2 - (n / max) * (H - 6);
    const line = pts.map((p) => `${x(p.at).toFixed(1)},${y(p.listeners).toFixed(1)}`).join(' ');
    const area = pts.length > 1 ? `${x(pts[0]!.at).toFixed(1)},${H} ${line} ${x(pts.at(-1)!.at).toFixed(1)},${H}` : '';
    const name = `${this.label} over the last ${this.hours} hours: ${pts.length === 0 ? 'no samples yet' : `peak ${peak}, now ${pts.at(-1)!.listeners}`}`;
    return html`<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label=${name}>
      ${area ? svg`<polygon points=${area} fill="rgba(59, 111, 209, .35)"></polygon>` : ''}
      ${line ? svg`<polyline points=${line} fill="none" stroke="#7aa7ff" stroke-width="1.5" vector-effect="non-scaling-stroke"></polyline>` : ''}
    </svg><p aria-hidden="true">24 h · peak ${peak}</p>`;
  }
}
customElements.define('console-sparkline', ConsoleSparkline);
