// The console page: a header (station, who is signed in, Sign out), the navigation, and the page of
// the current route — or the sign-in. Given the ConsoleState; only renders it. One column on a
// phone: the navigation wraps, nothing is wider than 390 px.
import { css, html, nothing } from 'lit';
import { ConsoleElement } from './console-element.ts';
import { consoleStyles } from './styles.ts';
import { routeHref, type PageName } from '../router.ts';
import type { Role } from '../api/api-types.ts';
import './console-sign-in.ts';
import '../pages/recordings-page.ts';
import '../pages/recording-page.ts';
import '../pages/schedule-page.ts';
import '../pages/live-page.ts';
import '../pages/people-page.ts';
import '../pages/tokens-page.ts';
import '../pages/audit-page.ts';
import '../pages/station-page.ts';

const NAV: { page: PageName; label: string; role: Role }[] = [
  { page: 'recordings', label: 'Recordings', role: 'dj' },
  { page: 'schedule', label: 'Schedule', role: 'dj' },
  { page: 'live', label: 'Live', role: 'operator' },
  { page: 'people', label: 'People', role: 'operator' },
  { page: 'tokens', label: 'Tokens', role: 'dj' },
  { page: 'audit', label: 'Audit', role: 'admin' },
  { page: 'station', label: 'Station', role: 'operator' },
];

export class ConsoleApp extends ConsoleElement {
  static override styles = [...consoleStyles, css`
    :host { max-width: 1200px; margin: 0 auto; padding: 0 16px 24px; }
    header { display: flex; gap: 8px 16px; align-items: center; flex-wrap: wrap; padding: 10px 0; border-bottom: 1px solid var(--ac-border); margin-bottom: 12px; }
    header .title { font-weight: 700; font-size: 16px; margin-right: auto; overflow-wrap: anywhere; }
    nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 4px; margin: 0 0 12px; padding: 0; }
    nav a { display: inline-block; padding: 6px 10px; border-radius: 6px; color: var(--ac-text); text-decoration: none; border: 1px solid transparent; }
    nav a[aria-current="page"] { background: var(--ac-panel-raised); border-color: var(--ac-border-strong); }
    @media (max-width: 560px) { :host { padding: 0 8px 16px; } }`];

  override render() {
    const app = this.app;
    if (!app) return nothing;
    const title = app.stationName ? `${app.stationName} — console` : 'Aircheck console';
    if (app.checking) return html`<header><span class="title">${title}</span></header><p role="status">Loading…</p>`;
    if (!app.user) return html`<header><span class="title">${title}</span></header><main><console-sign-in .app=${app}></console-sign-in></main>`;
    const current = app.route.page === 'recording' ? 'recordings' : app.route.page;
    const allowed = NAV.filter((n) => app.can(n.role));
    return html`<header>
        <span class="title">${title}</span>
        <span class="muted">${app.user.name} (${app.user.role})</span>
        <button @click=${() => void app.signOut()}>Sign out</button>
      </header>
      <nav aria-label="Console">
        <ul>${allowed.map((n) => html`<li><a href=${routeHref({ page: n.page })} aria-current=${n.page === current ? 'page' : 'false'}>${n.label}</a></li>`)}</ul>
      </nav>
      <main>${this.#page()}</main>`;
  }

  #page() {
    const app = this.app!;
    const route = app.route;
    const entry = NAV.find((n) => n.page === (route.page === 'recording' ? 'recordings' : route.page));
    if (entry && !app.can(entry.role)) return html`<p role="alert">This page needs the ${entry.role} role; you are ${app.user?.role}.</p>`;
    switch (route.page) {
      case 'recordings': return html`<console-recordings-page .app=${app}></console-recordings-page>`;
      case 'recording': return html`<console-recording-page .app=${app} .showId=${route.id ?? ''}></console-recording-page>`;
      case 'schedule': return html`<console-schedule-page .app=${app}></console-schedule-page>`;
      case 'live': return html`<console-live-page .app=${app}></console-live-page>`;
      case 'people': return html`<console-people-page .app=${app}></console-people-page>`;
      case 'tokens': return html`<console-tokens-page .app=${app}></console-tokens-page>`;
      case 'audit': return html`<console-audit-page .app=${app}></console-audit-page>`;
      case 'station': return html`<console-station-page .app=${app}></console-station-page>`;
    }
  }
}
customElements.define('console-app', ConsoleApp);
