// The station page: the station's name and description, then either every public mount with its
// player and today's schedule (`/`), or one mount's page with the visualizer (`/?mount=/live`).
// Given the Station (main.ts); it renders, and sets the tab's title.
import { html, css, nothing } from 'lit';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { designTokens } from '../../../shared/src/ui/tokens.ts';
import { StationElement } from './station-element.ts';
import { baseStyles } from './styles.ts';
import './station-mount.ts';
import './station-schedule.ts';
import { nowPlayingOf } from '../station-document.ts';

/** Re-renders once a minute: today's schedule marks the show on now. */
class MinuteTick implements ReactiveController {
  #host: ReactiveControllerHost;
  #timer: ReturnType<typeof setInterval> | null = null;
  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }
  hostConnected(): void {
    this.#timer = setInterval(() => this.#host.requestUpdate(), 60_000);
  }
  hostDisconnected(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

export class StationApp extends StationElement {
  static override styles = [
    designTokens,
    baseStyles,
    css`
      :host { background: var(--ac-bg); min-height: 100vh; }
      .wrap { max-width: 1120px; margin: 0 auto; padding: calc(var(--ac-pad) * 1.5) var(--ac-pad) calc(var(--ac-pad) * 3); }
      header { display: flex; align-items: flex-start; gap: var(--ac-pad); padding: var(--ac-pad) 0 calc(var(--ac-pad) * 2); }
      header img { width: 44px; height: 44px; flex: none; }
      h1 { margin: 0; font-size: clamp(24px, 5vw, 34px); line-height: 1.15; overflow-wrap: anywhere; }
      header p { margin: 6px 0 0; color: var(--ac-text-muted); font-size: 15px; max-width: 60ch; overflow-wrap: anywhere; }
      header a { color: inherit; text-decoration: none; }
      .layout { display: grid; gap: calc(var(--ac-pad) * 1.5); grid-template-columns: minmax(0, 1fr); align-items: start; }
      .mounts { display: grid; gap: calc(var(--ac-pad) * 1.5); min-width: 0; }
      @media (min-width: 900px) {
        .layout { grid-template-columns: minmax(0, 1fr) 320px; }
        aside { position: sticky; top: var(--ac-pad); }
      }
      .back { display: inline-block; margin-bottom: var(--ac-pad); }
      .notice { margin: 0; }
      footer { margin-top: calc(var(--ac-pad) * 3); color: var(--ac-text-muted); font-size: 12px; display: flex; gap: var(--ac-gap); flex-wrap: wrap; justify-content: space-between; }
    `,
  ];

  constructor() {
    super();
    new MinuteTick(this);
  }

  override updated(): void {
    const doc = this.station?.station;
    const name = doc?.name || 'Radio';
    const route = this.station?.route;
    const mount = route?.mount ? doc?.mounts.find((m) => m.path === route.mount) : undefined;
    const title = mount ? nowPlayingOf(mount) : '';
    document.title = mount ? `${title ? `${title} · ` : ''}${mount.name} · ${name}` : name;
  }

  override render() {
    const station = this.station;
    const doc = station?.station;
    if (!station) return nothing;
    if (!doc) {
      return html`<div class="wrap"><p class="notice panel" role="status">${station.feed.problem ?? 'Loading the station…'}</p></div>`;
    }
    const routeMount = station.route.mount;
    const mounts = station.mounts;
    const page = routeMount ? mounts.find((m) => m.path === routeMount) : undefined;
    return html`
      <div class="wrap">
        <header>
          <img src="/favicon.svg" alt="">
          <div>
            <h1><a href="./" @click=${this.#home}>${doc.name || 'Radio'}</a></h1>
            ${doc.description ? html`<p>${doc.description}</p>` : nothing}
          </div>
        </header>
        ${routeMount ? html`<a class="back" href="./" @click=${this.#home}>← All streams</a>` : nothing}
        <div class="layout">
          <main class="mounts">
            ${routeMount
              ? page
                ? html`<station-mount detail .station=${station} .mount=${page}></station-mount>`
                : html`<p class="notice panel" role="status">There is no stream called ${routeMount} here.</p>`
              : mounts.length > 0
                ? mounts.map((m) => html`<station-mount .station=${station} .mount=${m}></station-mount>`)
                : html`<p class="notice panel">Nothing to listen to yet.</p>`}
          </main>
          <aside><station-schedule .station=${station}></station-schedule></aside>
        </div>
        <footer>
          <span>${station.feed.mode === 'polling' ? 'Updated every 10 seconds' : 'Updates live'}</span>
          <span>Aircheck</span>
        </footer>
      </div>
    `;
  }

  #home = (e: MouseEvent): void => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    this.station?.navigate({ mount: null });
  };
}
customElements.define('station-app', StationApp);
