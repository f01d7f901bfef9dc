// One public mount: its name, state (On air / Off air — music continues / Off air), what plays now
// and the show (announced to screen readers as it changes), the player, listeners, recent tracks
// and playlist links. `detail` is the mount's own page: the visualizer and every recent track.
import { html, css, nothing } from 'lit';
import type { PropertyDeclarations } from 'lit';
import { StationElement } from './station-element.ts';
import { baseStyles } from './styles.ts';
import './station-player.ts';
import './station-visualizer.ts';
import { airStateLabel, airStateOf, nowPlayingOf, showLine, type PublicMount } from '../station-document.ts';
import { routeHref } from '../route.ts';
import { clockTime, listenersText } from '../time-format.ts';

const RECENT_ON_INDEX = 3;

export class StationMount extends StationElement {
  static override properties: PropertyDeclarations = { ...StationElement.properties, mount: { attribute: false }, detail: { type: Boolean, reflect: true } };
  declare mount?: PublicMount;
  declare detail: boolean;

  constructor() {
    super();
    this.detail = false;
  }

  static override styles = [
    baseStyles,
    css`
      article { display: grid; gap: calc(var(--ac-gap) * 1.75); }
      .head { display: flex; align-items: center; justify-content: space-between; gap: var(--ac-gap); flex-wrap: wrap; }
      h2 { font-size: 20px; line-height: 1.25; overflow-wrap: anywhere; }
      :host([detail]) h2 { font-size: 26px; }
      .state { display: inline-flex; align-items: center; gap: 6px; padding: 3px 10px; border-radius: 999px; font-size: 13px; font-weight: 600; white-space: nowrap; background: var(--ac-panel-raised); color: var(--ac-text-muted); }
      .state::before { content: ''; width: 8px; height: 8px; border-radius: 50%; background: currentColor; }
      .state.on-air { background: color-mix(in srgb, var(--ac-live) 18%, transparent); color: #ff8589; }
      .state.off-air-music { background: color-mix(in srgb, var(--ac-ok) 16%, transparent); color: #5fd39b; white-space: normal; }
      .description { margin: 0; color: var(--ac-text-muted); overflow-wrap: anywhere; }
      .now { border-left: 3px solid var(--ac-accent); padding: 2px 0 2px var(--ac-pad); min-height: 3.2em; }
      .now .label { font-size: 12px; text-transform: uppercase; letter-spacing: .08em; color: var(--ac-text-muted); margin: 0; }
      .title { margin: 2px 0 0; font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
      :host([detail]) .title { font-size: 22px; }
      .show { margin: 2px 0 0; color: var(--ac-text-muted); overflow-wrap: anywhere; }
      .facts { display: flex; gap: var(--ac-gap) calc(var(--ac-gap) * 2); flex-wrap: wrap; margin: 0; color: var(--ac-text-muted); font-size: 13px; }
      .facts a { white-space: nowrap; }
      h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .08em; color: var(--ac-text-muted); margin-bottom: 6px; }
      ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 4px; }
      li { display: flex; gap: var(--ac-gap); min-width: 0; }
      li time { font: var(--ac-font-mono); color: var(--ac-text-muted); flex: none; }
      li span { overflow-wrap: anywhere; min-width: 0; }
    `,
  ];

  override render() {
    const mount = this.mount;
    if (!this.station || !mount) return nothing;
    const state = airStateOf(mount);
    const title = nowPlayingOf(mount);
    const show = state === 'on-air' ? showLine(mount.show, mount.dj) : '';
    // The history, without the title playing now (shown above it).
    const history = title && mount.recentTracks[0]?.title === title ? mount.recentTracks.slice(1) : mount.recentTracks;
    const recent = this.detail ? history : history.slice(0, RECENT_ON_INDEX);
    const headingId = `mount-${mount.path.replace(/[^a-z0-9]+/gi, '-')}`;
    return html`
      <article class="panel" aria-labelledby=${headingId} data-mount=${mount.path}>
        <div class="head">
          <h2 id=${headingId}>${mount.name}</h2>
          <span class="state ${state}">${airStateLabel(state)}</span>
        </div>
        ${mount.description ? html`<p class="description">${mount.description}</p>` : nothing}
        <div class="now" aria-live="polite" aria-atomic="true">
          <p class="label">${state === 'off-air' ? 'Nothing playing' : 'Now playing'}</p>
          ${title ? html`<p class="title">${title}</p>` : state === 'off-air' ? nothing : html`<p class="title muted">${state === 'on-air' ? 'Live' : 'Music'}</p>`}
          ${show ? html`<p class="show">${show}</p>` : nothing}
        </div>
        <station-player .station=${this.station} .mount=${mount}></station-player>
        ${this.detail ? html`<station-visualizer .station=${this.station} .mountPath=${mount.path}></station-visualizer>` : nothing}
        <p class="facts">
          <span class="listeners">${listenersText(mount.listeners)}</span>
          <span>In your own player: <a href=${mount.m3u} download>.m3u</a> · <a href=${mount.pls} download>.pls</a></span>
          ${this.detail ? nothing : html`<a href=${routeHref({ mount: mount.path })} @click=${this.#open} aria-label=${`Open page: ${mount.name}, with a visualizer`}>Open page</a>`}
        </p>
        ${recent.length > 0
          ? html`<section aria-label=${`Recently played on ${mount.name}`}>
              <h3>Recently played</h3>
              <ol>${recent.map((t) => html`<li><time datetime=${t.at}>${clockTime(t.at)}</time><span>${t.title}</span></li>`)}</ol>
            </section>`
          : nothing}
      </article>
    `;
  }

  #open = (e: MouseEvent): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // a new tab: let the browser
    e.preventDefault();
    this.station?.navigate({ mount: this.mount!.path });
  };
}
customElements.define('station-mount', StationMount);
