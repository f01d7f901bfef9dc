// Live: every mount with its source (DJ or client, address, since, format, bitrate), its state,
// listeners now (pushed by the bridge's `live` event) and over 24 hours, now playing, derived mounts
// (rungs) and push/relay status; per mount the listener list with kick, kill source, move
// listeners and set the title (operators).
import { css, html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiAction, ApiResource, type ShownError } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import { describeError, seg } from '../api/api-client.ts';
import type { HistoryPoint, ListenerView, LiveMount } from '../api/api-types.ts';
import { formatBytes, formatDateTime, formatSince } from '../format.ts';
import '../elements/console-error.ts';
import '../elements/console-sparkline.ts';

const STATE_TEXT: Record<LiveMount['state'], string> = { live: 'live', 'off-air-music': 'off air — music continues', off: 'off air' };

interface ListenerTable { rows: ListenerView[] | null; error: ShownError | null; loading: boolean; count: number }

export class LivePage extends ConsoleElement {
  static override styles = [...consoleStyles, css`
    .mounts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 380px), 1fr)); gap: 12px; }
    .mount header { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: baseline; margin-bottom: 8px; }
    .mount header h2 { margin: 0; font-size: 16px; text-transform: none; letter-spacing: 0; color: var(--ac-text); }
    .count { font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }
    details { margin-top: 8px; }
    form.inline { display: flex; flex-wrap: wrap; gap: 6px; align-items: end; margin-top: 8px; }
    form.inline label { display: grid; gap: 2px; }`];

  #initial = new ApiResource<{ mounts: LiveMount[] }>(this, () => this.app!.api.get<{ mounts: LiveMount[] }>('/live'));
  #history = new Map<string, HistoryPoint[]>();
  #historyError: ShownError | null = null;
  #tables = new Map<string, ListenerTable>();
  #action = new ApiAction(this);
  #historyLoaded = false;

  get #mounts(): LiveMount[] {
    return this.app?.liveMounts ?? this.#initial.value?.mounts ?? [];
  }

  override willUpdate(): void {
    const mounts = this.#mounts;
    if (!this.#historyLoaded && mounts.length > 0) {
      this.#historyLoaded = true;
      void this.#loadHistory(mounts.map((m) => m.path));
    }
    // An open listener table follows the pushed count.
    for (const m of mounts) {
      const t = this.#tables.get(m.path);
      if (t && t.count !== m.listeners && !t.loading) void this.#loadListeners(m.path, m.listeners);
    }
  }

  override render() {
    const mounts = this.#mounts;
    const events = this.app?.eventsState;
    return html`<h1>Live</h1>
      <p class="muted" role="status">${events === 'open' ? 'Updates are pushed as they happen.' : events === 'reconnecting' ? 'Reconnecting to the live updates…' : 'Connecting to the live updates…'}</p>
      <console-error .error=${this.#initial.error}></console-error>
      <console-error .error=${this.#historyError}></console-error>
      <console-error .error=${this.#action.error}></console-error>
      ${this.#action.message ? html`<p role="status">${this.#action.message}</p>` : nothing}
      <div class="mounts">${mounts.map((m) => this.#mount(m, mounts))}</div>`;
  }

  #mount(m: LiveMount, all: LiveMount[]) {
    const s = m.source;
    const table = this.#tables.get(m.path);
    const others = all.filter((o) => o.path !== m.path && o.parent === null);
    return html`<section class="mount card" data-mount=${m.path} aria-labelledby=${`m-${m.path}`}>
      <header>
        <h2 id=${`m-${m.path}`}>${m.path}</h2>
        <span class="badge ${m.state === 'live' ? 'live' : m.state === 'off-air-music' ? 'warn' : ''}">${STATE_TEXT[m.state]}</span>
        ${m.public ? nothing : html`<span class="badge">private</span>`}
        ${m.name && m.name !== m.path ? html`<span class="muted">${m.name}</span>` : nothing}
      </header>
      <dl class="facts">
        <dt>Listeners now</dt><dd><output class="count" aria-label=${`Listeners on ${m.path}`} aria-live="polite">${m.listeners}</output></dd>
        <dt>Now playing</dt><dd>${m.title || '—'}</dd>
        <dt>Source</dt><dd>${s ? html`${s.dj ? html`DJ <strong>${s.dj}</strong>` : s.kind}${s.address ? ` from ${s.address}` : ''}
          <br><span class="muted">since ${formatDateTime(s.since)} (${formatSince(s.since)})${s.format ? `, ${s.format}` : ''}${s.bitrateKbps ? `, ${s.bitrateKbps} kbps` : ''}${s.userAgent ? `, ${s.userAgent}` : ''}</span>` : 'none'}</dd>
        ${m.parent ? html`<dt>Derived from</dt><dd>${m.parent}</dd>` : nothing}
        ${m.rungs.length ? html`<dt>Derived mounts</dt><dd>${m.rungs.join(', ')}</dd>` : nothing}
        ${m.pushes.length ? html`<dt>Pushes</dt><dd>${m.pushes.map((p) => html`<div>${describeObject(p)}</div>`)}</dd>` : nothing}
        ${m.relay ? html`<dt>Relay</dt><dd>${describeObject(m.relay)}</dd>` : nothing}
      </dl>
      <console-sparkline .points=${this.#history.get(m.path) ?? []} .hours=${24} label=${`Listeners on ${m.path}`}></console-sparkline>
      <div class="row" style="margin-top: 8px">
        <button aria-expanded=${table ? 'true' : 'false'} @click=${() => this.#toggleListeners(m)}>${table ? 'Hide listeners' : 'Show listeners'}<span class="muted"> of ${m.path}</span></button>
        ${s && m.parent === null ? html`<button class="danger" @click=${() => void this.#killSource(m.path)}>Kill source<span class="muted"> of ${m.path}</span></button>` : nothing}
      </div>
      ${table ? this.#listenerTable(m.path, table) : nothing}
      ${m.parent === null ? html`
        <form class="inline" aria-label=${`Set the title of ${m.path}`} @submit=${(e: Event) => void this.#setTitle(e, m.path)}>
          <label>Title <input name="title" maxlength="256" .value=${''} placeholder=${m.title}></label>
          <button type="submit">Set title</button>
        </form>
        ${others.length ? html`<form class="inline" aria-label=${`Move the listeners of ${m.path}`} @submit=${(e: Event) => void this.#move(e, m.path)}>
          <label>Move listeners to <select name="to">${others.map((o) => html`<option value=${o.path}>${o.path}</option>`)}</select></label>
          <button type="submit">Move listeners</button>
        </form>` : nothing}` : nothing}
    </section>`;
  }

  #listenerTable(mount: string, t: ListenerTable) {
    return html`<console-error .error=${t.error}></console-error>
      ${t.rows === null ? html`<p role="status">Loading listeners…</p>` : t.rows.length === 0 ? html`<p>No listeners.</p>` : html`<div class="table-wrap"><table aria-label=${`Listeners of ${mount}`}>
        <thead><tr><th>Address</th><th>Player</th><th>Since</th><th>Sent</th><th><span class="muted">Kick</span></th></tr></thead>
        <tbody>${t.rows.map((l) => html`<tr>
          <td class="mono">${l.address}</td><td>${l.userAgent || '—'}</td><td>${formatDateTime(l.connectedAt)}</td><td>${formatBytes(l.bytesSent)}</td>
          <td><button class="danger" aria-label=${`Kick ${l.address} (${l.userAgent || 'no player name'})`} @click=${() => void this.#kick(mount, l)}>Kick</button></td>
        </tr>`)}</tbody>
      </table></div>`}`;
  }

  async #loadHistory(mounts: string[]): Promise<void> {
    try {
      for (const mount of mounts) this.#history.set(mount, await this.app!.api.get<HistoryPoint[]>('/live/history', { mount, hours: 24 }));
    } catch (err) {
      this.#historyError = describeError(err);
    }
    this.requestUpdate();
  }

  #toggleListeners(m: LiveMount): void {
    if (this.#tables.has(m.path)) {
      this.#tables.delete(m.path);
      this.requestUpdate();
    } else void this.#loadListeners(m.path, m.listeners);
  }

  async #loadListeners(mount: string, count: number): Promise<void> {
    const t: ListenerTable = this.#tables.get(mount) ?? { rows: null, error: null, loading: false, count };
    t.loading = true;
    t.count = count;
    this.#tables.set(mount, t);
    this.requestUpdate();
    try {
      t.rows = await this.app!.api.get<ListenerView[]>('/listeners', { mount });
      t.error = null;
    } catch (err) {
      t.error = describeError(err);
    } finally {
      t.loading = false;
      this.requestUpdate();
    }
  }

  async #kick(mount: string, l: ListenerView): Promise<void> {
    const ok = await this.#action.run(async () => {
      await this.app!.api.delete(`/listeners/${seg(String(l.id))}`, undefined, { mount });
      return true;
    }, `Kicked ${l.address} from ${mount}.`);
    if (ok) void this.#loadListeners(mount, this.#tables.get(mount)?.count ?? 0);
  }

  async #killSource(mount: string): Promise<void> {
    if (!confirm(`Disconnect the source of ${mount}? Listeners hear the fallback, if any.`)) return;
    await this.#action.run(() => this.app!.api.post('/live/kill-source', { mount }), `The source of ${mount} was disconnected.`);
  }

  async #setTitle(e: Event, mount: string): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const title = String(new FormData(form).get('title') ?? '');
    const ok = await this.#action.run(async () => {
      await this.app!.api.post('/live/metadata', { mount, title });
      return true;
    }, `The title of ${mount} is now “${title}”.`);
    if (ok) form.reset();
  }

  async #move(e: Event, from: string): Promise<void> {
    e.preventDefault();
    const to = String(new FormData(e.target as HTMLFormElement).get('to') ?? '');
    await this.#action.run(() => this.app!.api.post('/live/move-listeners', { from, to }), `The listeners of ${from} were moved to ${to}.`);
  }
}
customElements.define('console-live-page', LivePage);

/** A push or relay status as "key: value, …" (its shape belongs to the bridge). */
function describeObject(o: unknown): string {
  if (o === null || typeof o !== 'object') return String(o);
  return Object.entries(o).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
}
