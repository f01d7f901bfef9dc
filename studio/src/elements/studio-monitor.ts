// The monitor panel: hear the air (/live as listeners hear it; the private /test while previewing)
// through the Studio's AirMonitor, and what the cue bus carries to the headphones. Only renders: the
// monitor owns its media element (rendered here), its requests, backoff and errors.
import { css, html, nothing } from 'lit';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';

export class StudioMonitor extends StudioElement {
  static override styles = [panelStyles, css`
    audio { width: 100%; max-width: 360px; height: 36px; }
    .status { margin: 6px 0 0; color: #c4c8d2; }`];

  override render() {
    const s = this.studio;
    if (!s?.sessionInfo) return nothing;
    const m = s.monitor;
    const source = m.source;
    const preview = source?.mount === '/test';
    const on = m.status === 'loading' || m.status === 'playing' || m.status === 'retrying';
    const media = m.media as unknown as HTMLAudioElement;
    media.controls = true;
    media.preload = 'none';
    const cued = s.channels.filter((c) => c.cue).map((c) => c.label);
    return html`<section aria-labelledby="monitor-h">
      <h2 id="monitor-h">Monitor (${source?.mount ?? '—'})</h2>
      <div class="row">
        <button aria-pressed=${String(on)} ?disabled=${!source}
          @click=${() => (on ? m.stop() : m.start())}>${on ? (preview ? 'Stop preview' : 'Stop listening') : (preview ? 'Listen to preview' : 'Listen to the air')}</button>
        ${media}
      </div>
      <p class="status" role="status" aria-label="Monitor status">${describe(m.status, source?.mount ?? '', m.error)}</p>
      ${m.status === 'failed' ? html`<p role="alert">${m.error}</p>` : nothing}
      <p class="status" aria-label="Cue bus">Cue (headphones): ${cued.length > 0 ? cued.join(', ') : 'nothing cued — press Cue on a channel to hear it off air'}</p>
    </section>`;
  }
}

function describe(status: string, mount: string, error: string): string {
  switch (status) {
    case 'loading': return `Connecting to ${mount}…`;
    case 'playing': return mount === '/test' ? 'Playing /test: your private preview' : `Playing ${mount}: what listeners hear`;
    case 'retrying': return `Monitor interrupted: ${error}`;
    case 'failed': return 'Monitor stopped.';
    default: return `Stopped. Listen to hear ${mount || 'the air'} as listeners do (a few seconds behind).`;
  }
}
customElements.define('studio-monitor', StudioMonitor);
