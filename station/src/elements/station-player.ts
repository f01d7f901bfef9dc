// A mount's player controls: play/stop, volume and a live indicator (a live stream has no seek bar).
// Renders the MountPlayer the Station owns; the click goes to the Station (one stream at a time).
import { html, css, nothing } from 'lit';
import type { PropertyDeclarations } from 'lit';
import { StationElement } from './station-element.ts';
import { baseStyles } from './styles.ts';
import type { PublicMount } from '../station-document.ts';
import { streamLabel } from '../stream-choice.ts';

const PLAY_ICON = html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M8 5v14l11-7z" fill="currentColor"/></svg>`;
const STOP_ICON = html`<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="6" y="6" width="12" height="12" rx="1.5" fill="currentColor"/></svg>`;
const SPEAKER_ICON = html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9v6h4l5 4V5L8 9z" fill="currentColor"/><path d="M16 8.5a5 5 0 0 1 0 7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`;

export class StationPlayer extends StationElement {
  static override properties: PropertyDeclarations = { ...StationElement.properties, mount: { attribute: false } };
  declare mount?: PublicMount;

  static override styles = [
    baseStyles,
    css`
      .player { display: flex; align-items: center; gap: calc(var(--ac-gap) * 1.5); flex-wrap: wrap; }
      .play {
        width: 56px; height: 56px; flex: none; border-radius: 50%; border: none;
        background: var(--ac-accent); color: #fff; display: grid; place-items: center;
        box-shadow: 0 2px 10px rgb(0 0 0 / .35); transition: transform .1s ease, background .2s ease;
      }
      .play:hover { transform: scale(1.05); }
      .play:active { transform: scale(.97); }
      .play.active { background: var(--ac-live); }
      .play:disabled { background: var(--ac-panel-raised); color: var(--ac-text-muted); cursor: default; transform: none; box-shadow: none; }
      .play svg { width: 28px; height: 28px; }
      .live {
        display: inline-flex; align-items: center; gap: 6px; padding: 3px 10px; border-radius: 999px;
        border: 1px solid var(--ac-border-strong); font-size: 12px; font-weight: 700; letter-spacing: .08em;
        text-transform: uppercase; color: var(--ac-text-muted); white-space: nowrap;
      }
      .live .dot { width: 8px; height: 8px; border-radius: 50%; background: currentColor; }
      .live.on { color: var(--ac-live); border-color: var(--ac-live); }
      .live.on .dot { animation: pulse 1.6s ease-in-out infinite; }
      .live.on.music { color: var(--ac-ok); border-color: var(--ac-ok); }
      .live.wait { color: var(--ac-warn); border-color: var(--ac-warn); }
      @keyframes pulse { 0%, 100% { opacity: 1; } 50% { opacity: .25; } }
      @media (prefers-reduced-motion: reduce) { .live.on .dot { animation: none; } }
      .volume { display: inline-flex; align-items: center; gap: 6px; color: var(--ac-text-muted); flex: 1 1 140px; min-width: 0; max-width: 220px; }
      .volume svg { width: 20px; height: 20px; flex: none; }
      .volume input { width: 100%; min-width: 0; accent-color: var(--ac-accent); }
      .format { font: var(--ac-font-mono); font-size: 12px; color: var(--ac-text-muted); }
      .message { margin: var(--ac-gap) 0 0; color: var(--ac-warn); }
    `,
  ];

  override render() {
    const mount = this.mount;
    if (!this.station || !mount) return nothing;
    const player = this.station.player(mount.path);
    const active = player.active;
    const nothingToPlay = !active && (mount.streams.length === 0 || (!mount.onAir && !mount.offAirMusic));
    // "Live" while a show is on air; the music that continues off air is playing, not live.
    const indicator =
      player.state === 'playing' ? (mount.onAir ? { cls: 'on', text: 'Live' } : { cls: 'on music', text: 'Playing' })
      : player.state === 'stopped' ? { cls: '', text: 'Live' }
      : player.state === 'retrying' ? { cls: 'wait', text: 'Reconnecting…' }
      : { cls: 'wait', text: player.state === 'buffering' ? 'Buffering…' : 'Connecting…' };
    return html`
      <div class="player">
        <button class="play ${active ? 'active' : ''}" ?disabled=${nothingToPlay}
          aria-label=${`${active ? 'Stop' : 'Play'} ${mount.name}`} title=${active ? 'Stop' : 'Play'}
          @click=${() => this.station!.toggle(mount.path)}>${active ? STOP_ICON : PLAY_ICON}</button>
        <span class="live ${indicator.cls}" aria-hidden=${player.state === 'stopped' ? 'true' : 'false'}><span class="dot"></span>${indicator.text}</span>
        <label class="volume">${SPEAKER_ICON}<span class="sr-only">Volume</span>
          <input type="range" min="0" max="100" step="1" .value=${String(Math.round(player.volume * 100))}
            aria-label=${`Volume of ${mount.name}`}
            @input=${(e: Event) => player.setVolume(Number((e.target as HTMLInputElement).value) / 100)}>
        </label>
        ${player.chosen && active ? html`<span class="format" title="The stream this browser plays">${streamLabel(player.chosen)}</span>` : nothing}
      </div>
      ${player.message ? html`<p class="message" role="status">${player.message}</p>` : nothing}
    `;
  }
}
customElements.define('station-player', StationPlayer);
