// The per-mount page's visualizer: a canvas of spectrum bars drawn from the playing audio by
// VisualizerController; decorative for screen readers (the player says what plays).
import { html, css } from 'lit';
import type { PropertyDeclarations } from 'lit';
import { StationElement } from './station-element.ts';
import { baseStyles } from './styles.ts';
import { VisualizerController } from '../visualizer-controller.ts';

export class StationVisualizer extends StationElement {
  static override properties: PropertyDeclarations = { ...StationElement.properties, mountPath: { attribute: false } };
  declare mountPath?: string;

  static override styles = [
    baseStyles,
    css`
      .frame { position: relative; border-radius: var(--ac-radius); background: linear-gradient(180deg, var(--ac-bg), var(--ac-panel-raised)); border: 1px solid var(--ac-border); overflow: hidden; }
      canvas { display: block; width: 100%; height: clamp(120px, 28vw, 220px); }
      .hint { position: absolute; inset: 0; display: grid; place-items: center; margin: 0; color: var(--ac-text-muted); pointer-events: none; text-align: center; padding: var(--ac-pad); }
    `,
  ];

  #visualizer = new VisualizerController(this, {
    canvas: () => this.renderRoot.querySelector('canvas'),
    player: () => (this.station && this.mountPath ? this.station.player(this.mountPath) : null),
    graph: () => this.station?.graph ?? null,
  });

  override render() {
    const player = this.station && this.mountPath ? this.station.player(this.mountPath) : null;
    const hint = this.#visualizer.drawing ? '' : player?.active ? 'Listening for sound…' : 'Press play to see the sound';
    return html`<div class="frame" aria-hidden="true"><canvas></canvas>${hint ? html`<p class="hint">${hint}</p>` : ''}</div>`;
  }
}
customElements.define('station-visualizer', StationVisualizer);
