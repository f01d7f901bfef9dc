// The waveform overview of a recording (peaks 0..1, ~10 per second, computed once at finalize) on a
// canvas with the play position; a click or the arrow keys ask to seek (a `seek` event with
// seconds). Only draws: the page owns the audio element.
import { LitElement, css, html } from 'lit';
import type { PropertyDeclarations } from 'lit';

export class ConsoleWaveform extends LitElement {
  static override properties: PropertyDeclarations = {
    peaks: { attribute: false }, peaksPerSecond: { attribute: false }, durationS: { attribute: false }, positionS: { attribute: false },
    gaps: { attribute: false },
  };
  static override styles = css`
    :host { display: block; }
    canvas { width: 100%; height: 72px; display: block; background: var(--ac-bg, #121317); border-radius: 4px; cursor: pointer; }
    canvas:focus-visible { outline: 2px solid var(--ac-focus, #7aa7ff); outline-offset: 2px; }`;
  declare peaks: number[];
  declare peaksPerSecond: number;
  declare durationS: number;
  declare positionS: number;
  /** Gaps in seconds, drawn in red. */
  declare gaps: { startS: number; durationS: number }[];

  constructor() {
    super();
    this.peaks = [];
    this.peaksPerSecond = 10;
    this.durationS = 0;
    this.positionS = 0;
    this.gaps = [];
  }

  override render() {
    const label = `Waveform; position ${Math.round(this.positionS)} of ${Math.round(this.durationS)} seconds. Click or use the arrow keys to seek.`;
    return html`<canvas role="slider" tabindex="0" aria-label="Waveform" aria-valuemin="0" aria-valuemax=${Math.round(this.durationS)}
      aria-valuenow=${Math.round(this.positionS)} aria-valuetext=${label}
      @click=${(e: MouseEvent) => this.#click(e)} @keydown=${(e: KeyboardEvent) => this.#key(e)}></canvas>`;
  }

  override updated(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    if (!canvas) return;
    const cssWidth = canvas.clientWidth || 600;
    const cssHeight = canvas.clientHeight || 72;
    const ratio = globalThis.devicePixelRatio || 1;
    canvas.width = Math.round(cssWidth * ratio);
    canvas.height = Math.round(cssHeight * ratio);
    const g = canvas.getContext('2d');
    if (!g) return;
    const w = canvas.width;
    const h = canvas.height;
    g.clearRect(0, 0, w, h);
    const total = this.durationS > 0 ? this.durationS : this.peaks.length / this.peaksPerSecond;
    g.fillStyle = 'rgba(229, 72, 77, .35)';
    for (const gap of this.gaps) {
      if (total <= 0) break;
      g.fillRect((gap.startS / total) * w, 0, Math.max(2, (gap.durationS / total) * w), h);
    }
    const n = this.peaks.length;
    g.fillStyle = '#3b6fd1';
    if (n > 0) {
      for (let x = 0; x < w; x++) {
        const from = Math.floor((x / w) * n);
        const to = Math.max(from + 1, Math.floor(((x + 1) / w) * n));
        let peak = 0;
        for (let i = from; i < to && i < n; i++) peak = Math.max(peak, this.peaks[i] ?? 0);
        const barH = Math.max(1, peak * h);
        g.fillRect(x, (h - barH) / 2, 1, barH);
      }
    }
    if (total > 0) {
      g.fillStyle = '#e8e8ea';
      g.fillRect(Math.min(w - 2, (this.positionS / total) * w), 0, 2 * ratio, h);
    }
  }

  #seek(seconds: number): void {
    const s = Math.max(0, Math.min(this.durationS, seconds));
    this.dispatchEvent(new CustomEvent('seek', { detail: s, bubbles: true, composed: true }));
  }

  #click(e: MouseEvent): void {
    const rect = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    if (rect.width > 0) this.#seek(((e.clientX - rect.left) / rect.width) * this.durationS);
  }

  #key(e: KeyboardEvent): void {
    const step = e.shiftKey ? 30 : 5;
    if (e.key === 'ArrowRight') this.#seek(this.positionS + step);
    else if (e.key === 'ArrowLeft') this.#seek(this.positionS - step);
    else if (e.key === 'Home') this.#seek(0);
    else if (e.key === 'End') this.#seek(this.durationS);
    else return;
    e.preventDefault();
  }
}
customElements.define('console-waveform', ConsoleWaveform);
