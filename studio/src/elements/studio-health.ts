// Connection health: what the uplink is doing, round-trip time, send buffer, reconnects, losses.
import { css, html, nothing } from 'lit';
import type { UplinkHealth } from '../uplink/uplink-client.ts';
import { StudioElement } from './studio-element.ts';
import { describeLiveEdge } from './live-edge-notice.ts';
import { panelStyles } from './styles.ts';

export function describeHealth(h: UplinkHealth | null, nowMs: number): string {
  if (!h) return 'Not connected.';
  switch (h.status) {
    case 'idle': return 'Not connected.';
    case 'connecting': return 'Connecting to the bridge…';
    case 'connected': return h.bufferedMs > 1000 ? `Connected — catching up, ${(h.bufferedMs / 1000).toFixed(1)} s of audio still to confirm.` : 'Connected.';
    case 'reconnecting': {
      const wait = h.nextAttemptAtMs !== null ? Math.max(0, Math.ceil((h.nextAttemptAtMs - nowMs) / 1000)) : 0;
      const lost = h.droppedMs > 0 ? ` ${(h.droppedMs / 1000).toFixed(1)} s of audio lost (buffer full).` : ' Nothing is lost: audio is kept and will be resent.';
      return `Connection lost (${h.error?.message ?? 'dropped'}). ${wait > 0 ? `Reconnecting in ${wait} s` : 'Reconnecting…'}${lost}`;
    }
    case 'ending': return 'Ending the show: sending the last audio…';
    case 'ended': return 'Show ended.';
    case 'failed': return `Disconnected: ${h.error?.message ?? 'error'} (${h.error?.code ?? ''}).`;
  }
}

export class StudioHealth extends StudioElement {
  static override styles = [panelStyles, css`.recording-warning { background: #b00020; color: #fff; padding: 8px 12px; font-weight: bold; border-radius: 4px; } dl { display: grid; grid-template-columns: auto auto; gap: 2px 12px; margin: 8px 0 0; } dd { margin: 0; font-family: ui-monospace, monospace; }`];

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    const h = s.health;
    const rec = s.recording;
    return html`<section aria-labelledby="health-h">
      ${rec?.status === 'failing' ? html`<p class="recording-warning" role="alert" aria-label="Recording problem">
        NOT RECORDING — you are still on air, but the bridge cannot record the show (${rec.code}):
        ${rec.message} ${(rec.lostMs / 1000).toFixed(0)} s missing so far.</p>` : nothing}
      ${rec?.status === 'ok' && rec.lostMs > 0 ? html`<p role="status" aria-label="Recording problem">Recording again; ${(rec.lostMs / 1000).toFixed(0)} s of the show are missing from the recording.</p>` : nothing}
      ${s.liveEdge ? html`<p role="status" aria-label="Skipped on air">${describeLiveEdge(s.liveEdge.skippedMs)}</p>` : nothing}
      <h2 id="health-h">Connection</h2>
      <p role="status" aria-live="polite" aria-label="Connection status">${describeHealth(h, performance.now())}</p>
      <dl>
        <dt>Round trip</dt><dd aria-label="Round-trip time">${h?.rttMs != null ? `${Math.round(h.rttMs)} ms` : '—'}</dd>
        <dt>Send buffer</dt><dd aria-label="Send buffer">${h ? `${Math.round(h.bufferedMs)} ms` : '—'}</dd>
        <dt>Reconnects</dt><dd aria-label="Reconnects">${h?.reconnects ?? 0}</dd>
        <dt>Lost audio</dt><dd aria-label="Lost audio">${h ? `${Math.round(h.droppedMs)} ms` : '—'}</dd>
        <dt>Encoder</dt><dd aria-label="Encoder">${s.encoder ? `Opus ${s.encoder.bitrateKbps} kbps, ${s.encoder.inputSampleRateHz || '…'} Hz, 20 ms, ${s.encoder.framesOut} frames` : 'stopped'}</dd>
      </dl>
    </section>`;
  }
}
customElements.define('studio-health', StudioHealth);
