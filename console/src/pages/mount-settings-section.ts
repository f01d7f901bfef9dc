// The Station page's Mounts section: per configured mount its name, description, genre, URL, hidden
// and fallback choices (the bundled loop, a file of the media folder or none, another mount). Each
// field says whether it comes from the config or was set here, with "Use config value" to give the
// config's back. Reads GET /api/v1/mounts and GET /api/v1/media, changes with PATCH
// /api/v1/mounts/{path}; the media files themselves are managed in media-section.ts, shown below.
import { css, html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiAction, ApiResource } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import { seg } from '../api/api-client.ts';
import type { MediaFile, MountField, MountPatch, MountSettingsView } from '../api/api-types.ts';
import { changedFields, fallbackFileOptions, mountPatch, NO_FALLBACK, TEXT_FIELDS } from '../mount-form.ts';
import '../elements/console-error.ts';
import './media-section.ts';

const LABELS: Record<MountField, string> = {
  name: 'Name', description: 'Description', genre: 'Genre', url: 'URL',
  hidden: 'Hidden from the public pages', fallback_file: 'Fallback file', fallback_mount: 'Fallback mount',
};
const MAX_CHARS: Record<(typeof TEXT_FIELDS)[number], number> = { name: 256, description: 1024, genre: 256, url: 1024 };

export class MountSettingsSection extends ConsoleElement {
  static override styles = [...consoleStyles, css`
    .mounts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 380px), 1fr)); gap: 12px; }
    form.mount { display: grid; gap: 8px; min-width: 0; }
    form.mount h3 { font-family: var(--ac-font-mono); }
    .field { display: grid; gap: 2px; min-width: 0; }
    .field > label { display: grid; gap: 4px; }
    .field > label.check { display: flex; }
    .origin { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 12px; }
    .origin button { padding: 1px 8px; font-size: 12px; }
    input[type='text'], textarea, select { width: 100%; }`];

  #mounts = new ApiResource<MountSettingsView[]>(this, () => this.app!.api.get<MountSettingsView[]>('/mounts'));
  #media = new ApiResource<MediaFile[]>(this, () => this.app!.api.get<MediaFile[]>('/media'));
  /** One outcome line per mount. */
  #actions = new Map<string, ApiAction>();

  #action(path: string): ApiAction {
    let a = this.#actions.get(path);
    if (!a) this.#actions.set(path, (a = new ApiAction(this)));
    return a;
  }

  override render() {
    const mounts = this.#mounts.value;
    return html`<section aria-labelledby="mounts-h">
      <h2 id="mounts-h">Mounts</h2>
      <p class="muted">Set here, a mount's texts and fallback win over the config file's, across reloads and restarts, until you use the config value again. Fallback files come from the <code>media</code> folder of the data directory (upload them below). With no fallback file and no fallback mount, listeners get nothing while the mount has no source (as from Icecast: new listeners are refused, connected ones are let go).</p>
      <console-error .error=${this.#mounts.error}></console-error>
      <console-error .error=${this.#media.error}></console-error>
      ${mounts ? html`<div class="mounts">${mounts.map((m) => this.#form(m, mounts))}</div>` : this.#mounts.error ? nothing : html`<p role="status">Loading…</p>`}
      <console-media .app=${this.app} @media-changed=${() => void this.#media.reload()}></console-media>
    </section>`;
  }

  #form(m: MountSettingsView, all: MountSettingsView[]) {
    const action = this.#action(m.path);
    const text = (f: (typeof TEXT_FIELDS)[number]) => html`<div class="field">
      <label>${LABELS[f]}${f === 'description'
        ? html`<textarea name=${f} rows="2" maxlength=${MAX_CHARS[f]} .value=${m.effective[f] ?? ''}></textarea>`
        : html`<input type="text" name=${f} maxlength=${MAX_CHARS[f]} .value=${m.effective[f] ?? ''}>`}</label>
      ${this.#origin(m, f)}</div>`;
    const media = this.#media.value ?? [];
    const chosenMount = m.overridden.includes('fallback_mount') ? m.effective.fallback_mount : null;
    return html`<form class="mount card" aria-label=${`Mount ${m.path}`} data-mount=${m.path} @submit=${(e: Event) => void this.#save(e, m)}>
      <h3>${m.path}</h3>
      ${TEXT_FIELDS.map(text)}
      <div class="field">
        <label class="check"><input type="checkbox" name="hidden" .checked=${m.effective.hidden}> ${LABELS.hidden}</label>
        ${this.#origin(m, 'hidden')}
      </div>
      <div class="field">
        <label>${LABELS.fallback_file}
          <select name="fallback_file">
            ${fallbackFileOptions(m, media).map((o) => html`<option value=${o.value} .selected=${o.selected}>${o.label}</option>`)}
          </select></label>
        ${this.#origin(m, 'fallback_file')}
      </div>
      <div class="field">
        <label>${LABELS.fallback_mount}
          <select name="fallback_mount">
            <option value="" ?selected=${chosenMount === null}>Config: ${m.config.fallback_mount ?? 'none'}</option>
            ${all.filter((o) => o.path !== m.path).map((o) => html`<option value=${o.path} ?selected=${chosenMount === o.path}>${o.path}</option>`)}
          </select></label>
        ${this.#origin(m, 'fallback_mount')}
      </div>
      <div class="row">
        <button class="primary" type="submit" ?disabled=${action.busy}>Save ${m.path}</button>
      </div>
      ${action.message ? html`<p role="status">${action.message}</p>` : nothing}
      <console-error .error=${action.error}></console-error>
    </form>`;
  }

  /** Where the field's value comes from; for one set here, the config's value and the way back to it. */
  #origin(m: MountSettingsView, f: MountField) {
    if (!m.overridden.includes(f)) return html`<span class="origin muted">from the config</span>`;
    const configValue = m.config[f];
    const shown = typeof configValue === 'boolean' ? (configValue ? 'hidden' : 'listed') : configValue === null || configValue === '' ? 'none' : configValue;
    const value = m.effective[f];
    return html`<span class="origin"><span class="badge warn">${f === 'fallback_file' && value === NO_FALLBACK ? 'set in the console: no file' : 'set in the console'}</span>
      <span class="muted">config: ${shown}</span>
      <button type="button" aria-label=${`Use config value for ${LABELS[f].toLowerCase()} of ${m.path}`} ?disabled=${this.#action(m.path).busy}
        @click=${() => void this.#send(m, { [f]: null }, `${LABELS[f]} of ${m.path} follows the config again.`)}>Use config value</button></span>`;
  }

  async #save(e: Event, m: MountSettingsView): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const value = (f: string) => String(data.get(f) ?? '');
    const patch = mountPatch(m, {
      name: value('name'), description: value('description'), genre: value('genre'), url: value('url'),
      hidden: data.get('hidden') !== null,
      fallback_file: value('fallback_file'), fallback_mount: value('fallback_mount'),
    });
    const fields = changedFields(patch);
    if (fields.length === 0) {
      this.#action(m.path).message = 'Nothing changed.';
      this.requestUpdate();
      return;
    }
    await this.#send(m, patch, `Saved ${fields.map((f) => LABELS[f].toLowerCase()).join(', ')} of ${m.path}.`);
  }

  async #send(m: MountSettingsView, patch: MountPatch, done: string): Promise<void> {
    const saved = await this.#action(m.path).run(() => this.app!.api.patch<MountSettingsView>(`/mounts/${seg(m.path)}`, patch), done);
    if (saved && this.#mounts.value) {
      this.#mounts.value = this.#mounts.value.map((v) => (v.path === saved.path ? saved : v));
      this.requestUpdate();
    }
  }
}
customElements.define('console-mount-settings', MountSettingsSection);
