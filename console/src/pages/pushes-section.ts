// The Station page's Pushes section: every push of a mount to an external Icecast server with its
// state. The config file's pushes are listed read-only; the console's are added, edited, enabled /
// disabled and deleted here (GET and POST /api/v1/pushes, PATCH and DELETE /api/v1/pushes/{id}).
// States follow the pushed `live` event. The password is write-only: never shown, sent only when typed.
import { css, html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiAction, ApiResource } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import { seg } from '../api/api-client.ts';
import type { MountSettingsView } from '../api/api-types.ts';
import { formatBytes, formatDateTime, formatSince } from '../format.ts';
import '../elements/console-error.ts';

// The shapes of GET /api/v1/pushes (PushViewSchema in bridge/src/api/api-schemas.ts).
type PushFormat = 'mp3' | 'ogg-opus' | 'ogg-vorbis' | 'aac';
interface PushStatus {
  name: string; url: string; state: 'connected' | 'connecting' | 'waiting' | 'stopped';
  connectedSince: string | null; bytesSent: number; nextAttemptAt: string | null; droppedBytes: number;
  lastError: { code: string; message: string; at: string } | null;
}
interface PushView {
  id: string | null; origin: 'config' | 'console'; path: string; name: string | null; label: string;
  host: string; port: number; mount: string; user: string; passwordSet: boolean; tls: boolean;
  format: PushFormat | null; from: string | null; public: boolean; enabled: boolean;
  createdAt: string | null; createdBy: string | null; updatedAt: string | null; updatedBy: string | null;
  problem: string | null; status: PushStatus | null;
}
type PushFields = { name: string | null; host: string; port: number; mount: string; user: string; password: string; tls: boolean; format: PushFormat | null; from: string | null; public: boolean };

const FORMATS: [PushFormat | '', string][] = [['', 'whatever the mount plays'], ['mp3', 'MP3'], ['ogg-opus', 'Ogg Opus'], ['ogg-vorbis', 'Ogg Vorbis'], ['aac', 'AAC']];
const targetOf = (p: Pick<PushView, 'tls' | 'host' | 'port' | 'mount'>) => `${p.tls ? 'https' : 'http'}://${p.host}:${p.port}${p.mount}`;

/** The form's values in the API's shape ('' → null for the optional fields). */
function fieldsOf(form: HTMLFormElement): PushFields {
  const data = new FormData(form);
  const text = (f: string) => String(data.get(f) ?? '').trim();
  return {
    name: text('name') || null,
    host: text('host'),
    port: Number(text('port') || 8000),
    mount: text('mount'),
    user: text('user') || 'source',
    password: String(data.get('password') ?? ''),
    tls: data.get('tls') !== null,
    format: (text('format') || null) as PushFormat | null,
    from: text('from') || null,
    public: data.get('public') !== null,
  };
}

export class PushesSection extends ConsoleElement {
  static override styles = [...consoleStyles, css`
    :host { min-width: 0; } /* a grid item of the Station page: the table scrolls, the page does not */
    form.push { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 200px), 1fr)); gap: 8px 12px; align-items: end; }
    form.push label { display: grid; gap: 4px; }
    form.push label.check { display: flex; }
    form.push .actions { grid-column: 1 / -1; }
    form.push input[type='text'], form.push input[type='number'], form.push input[type='password'], form.push select { width: 100%; }
    td.state { min-width: 160px; }
    tr.disabled td:not(:last-child) { opacity: .6; }
    h3 { margin-top: 12px; }`];

  #pushes = new ApiResource<PushView[]>(this, () => this.app!.api.get<PushView[]>('/pushes'));
  #mounts = new ApiResource<MountSettingsView[]>(this, () => this.app!.api.get<MountSettingsView[]>('/mounts'));
  #create = new ApiAction(this);
  #change = new ApiAction(this);
  /** The console push whose edit form is open. */
  #editing: string | null = null;

  override render() {
    const pushes = this.#pushes.value;
    return html`<section aria-labelledby="pushes-h">
      <h2 id="pushes-h">Pushes</h2>
      <p class="muted">A mount can be pushed to other Icecast servers. Pushes from the config file are shown read-only (change them there);
        pushes added here run beside them, at once and across reloads and restarts, and cannot take a config push's name or target.</p>
      <console-error .error=${this.#pushes.error}></console-error>
      <console-error .error=${this.#change.error}></console-error>
      ${this.#change.message ? html`<p role="status">${this.#change.message}</p>` : nothing}
      ${pushes ? pushes.length === 0 ? html`<p class="muted">No pushes yet.</p>` : html`<div class="table-wrap"><table>
          <thead><tr><th>Mount</th><th>Push</th><th>Target</th><th>State</th><th>Audio</th><th>Actions</th></tr></thead>
          <tbody>${pushes.map((p) => this.#row(p))}</tbody>
        </table></div>` : this.#pushes.error ? nothing : html`<p role="status">Loading…</p>`}
      <h3 id="new-push-h">Add a push</h3>
      <form class="push" aria-labelledby="new-push-h" @submit=${(e: Event) => void this.#submit(e)}>
        <label>Mount <select name="path" required>${this.#paths().map((path) => html`<option value=${path}>${path}</option>`)}</select></label>
        ${this.#fields(null)}
        <label class="check"><input type="checkbox" name="enabled" checked> Enabled</label>
        <div class="actions row">
          <button class="primary" type="submit" ?disabled=${this.#create.busy}>Add push</button>
          ${this.#create.message ? html`<p role="status">${this.#create.message}</p>` : nothing}
        </div>
        <console-error class="actions" .error=${this.#create.error}></console-error>
      </form>
    </section>`;
  }

  #paths(): string[] {
    return (this.#mounts.value ?? []).map((m) => m.path);
  }

  /** The push fields, empty for a new push or filled with `p`'s (its password never: it stays unless typed). */
  #fields(p: PushView | null) {
    const id = p?.id ?? 'new';
    return html`
      <label>Name (optional) <input type="text" name="name" maxlength="64" placeholder="HOST:PORT/MOUNT" value=${p?.name ?? ''}></label>
      <label>Server <input type="text" name="host" required maxlength="253" autocomplete="off" placeholder="icecast.example.org" value=${p?.host ?? ''}></label>
      <label>Port <input type="number" name="port" required min="1" max="65535" value=${String(p?.port ?? 8000)}></label>
      <label>Mount on the server <input type="text" name="mount" required maxlength="256" placeholder="/live" value=${p?.mount ?? ''}></label>
      <label>Source user <input type="text" name="user" maxlength="64" autocomplete="off" value=${p?.user ?? 'source'}></label>
      <label>Source password <input type="password" name="password" maxlength="256" autocomplete="new-password" ?required=${p === null}
        placeholder=${p ? 'unchanged unless typed' : ''} aria-describedby=${`pw-note-${id}`}></label>
      <label>Audio format <select name="format">${FORMATS.map(([value, text]) => html`<option value=${value} ?selected=${(p?.format ?? '') === value}>${text}</option>`)}</select></label>
      <label>Push what listeners of this mount hear <select name="from">
        <option value="" ?selected=${!p?.from}>the mount itself</option>
        ${this.#paths().map((path) => html`<option value=${path} ?selected=${p?.from === path}>${path}</option>`)}
      </select></label>
      <label class="check"><input type="checkbox" name="tls" .checked=${p?.tls ?? false}> TLS (https)</label>
      <label class="check"><input type="checkbox" name="public" .checked=${p?.public ?? false}> List in the server's directory</label>
      <p class="muted actions" id=${`pw-note-${id}`}>The password is stored for the connection and never shown again.</p>`;
  }

  /** The newest status: the pushed `live` event's for this push, else the list's. */
  #status(p: PushView): PushStatus | null {
    if (p.status === null) return null;
    const live = this.app?.liveMounts?.find((m) => m.path === p.path)?.pushes as PushStatus[] | undefined;
    return live?.find((s) => s.name === p.label) ?? p.status;
  }

  #state(p: PushView) {
    if (p.problem) return html`<span class="badge bad">not running</span> <span class="bad">${p.problem}</span>`;
    if (!p.enabled) return html`<span class="badge">disabled</span>`;
    const s = this.#status(p);
    if (!s) return html`<span class="muted">starting…</span>`;
    const error = s.lastError ? html`<div class="bad">${s.lastError.code}: ${s.lastError.message} <span class="muted">(${formatDateTime(s.lastError.at)})</span></div>` : nothing;
    if (s.state === 'connected') {
      return html`<span class="badge ok">connected</span> <span class="muted">${formatSince(s.connectedSince)}, ${formatBytes(s.bytesSent)} sent</span>
        ${s.droppedBytes > 0 ? html`<div class="warn">${formatBytes(s.droppedBytes)} dropped (slow server)</div>` : nothing}`;
    }
    if (s.state === 'waiting') return html`<span class="badge warn">waiting</span> <span class="muted">next try ${formatDateTime(s.nextAttemptAt)}</span>${error}`;
    return html`<span class="badge warn">${s.state}</span>${error}`;
  }

  #row(p: PushView) {
    const editing = p.id !== null && this.#editing === p.id;
    const audio = [p.format ?? 'any format', p.from ? `from ${p.from}` : null, p.public ? 'listed' : null].filter(Boolean).join(', ');
    const main = html`<tr class=${p.enabled ? '' : 'disabled'} data-push=${p.label}>
      <td class="mono">${p.path}</td>
      <td>${p.label}<div>${p.origin === 'config' ? html`<span class="badge">config file</span>` : html`<span class="muted">added by ${p.createdBy}</span>`}</div></td>
      <td class="mono">${targetOf(p)}<div class="muted">as ${p.user}</div></td>
      <td class="state">${this.#state(p)}</td>
      <td>${audio}</td>
      <td>${p.id === null ? html`<span class="muted">read-only</span>` : html`<div class="row">
        <button aria-expanded=${editing ? 'true' : 'false'} @click=${() => this.#edit(editing ? null : p.id)}>Edit<span class="muted"> ${p.label}</span></button>
        <button @click=${() => void this.#send(p, { enabled: !p.enabled }, `${p.label} is ${p.enabled ? 'disabled: its connection ended' : 'enabled: it connects now'}.`)}>${p.enabled ? 'Disable' : 'Enable'}<span class="muted"> ${p.label}</span></button>
        <button class="danger" @click=${() => void this.#remove(p)}>Delete<span class="muted"> ${p.label}</span></button>
      </div>`}</td>
    </tr>`;
    if (!editing) return main;
    return html`${main}<tr><td colspan="6">
      <form class="push" aria-label=${`Edit push ${p.label}`} @submit=${(e: Event) => void this.#save(e, p)}>
        ${this.#fields(p)}
        <div class="actions row">
          <button class="primary" type="submit" ?disabled=${this.#change.busy}>Save ${p.label}</button>
          <button type="button" @click=${() => this.#edit(null)}>Cancel</button>
        </div>
      </form></td></tr>`;
  }

  #edit(id: string | null): void {
    this.#editing = id;
    this.#change.clear();
  }

  async #submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = fieldsOf(form);
    const data = new FormData(form);
    const body: Record<string, unknown> = { path: String(data.get('path') ?? ''), host: f.host, port: f.port, mount: f.mount, user: f.user, password: f.password, tls: f.tls, public: f.public, enabled: data.get('enabled') !== null };
    if (f.name !== null) body.name = f.name;
    if (f.format !== null) body.format = f.format;
    if (f.from !== null) body.from = f.from;
    const created = await this.#create.run(() => this.app!.api.post<PushView>('/pushes', body), (p) => `Added ${p.label}: ${p.enabled ? 'it connects now' : 'disabled'}.`);
    if (created) {
      form.reset();
      void this.#pushes.reload();
    }
  }

  async #save(e: Event, p: PushView): Promise<void> {
    e.preventDefault();
    const f = fieldsOf(e.target as HTMLFormElement);
    const patch: Record<string, unknown> = {};
    for (const k of ['name', 'host', 'port', 'mount', 'user', 'tls', 'format', 'from', 'public'] as const) if (f[k] !== p[k]) patch[k] = f[k];
    if (f.password !== '') patch.password = f.password;
    if (Object.keys(patch).length === 0) {
      this.#change.message = 'Nothing changed.';
      this.requestUpdate();
      return;
    }
    if (await this.#send(p, patch, `Saved ${p.label}${patch.password !== undefined ? ' (new password)' : ''}.`)) this.#editing = null;
  }

  async #send(p: PushView, patch: Record<string, unknown>, done: string): Promise<boolean> {
    const saved = await this.#change.run(() => this.app!.api.patch<PushView>(`/pushes/${seg(p.id!)}`, patch), done);
    void this.#pushes.reload();
    return saved !== undefined;
  }

  async #remove(p: PushView): Promise<void> {
    if (!confirm(`Delete the push ${p.label} of ${p.path}? Its connection to ${targetOf(p)} ends now.`)) return;
    await this.#change.run(() => this.app!.api.delete(`/pushes/${seg(p.id!)}`), `Deleted ${p.label}.`);
    if (this.#editing === p.id) this.#editing = null;
    void this.#pushes.reload();
  }
}
customElements.define('console-pushes', PushesSection);
