// Station: the name and description listeners see on the station page, each mount's texts and
// fallback (set here, they win over the config file's), and the pushes to other Icecast servers.
import { html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiAction, ApiResource } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import type { StationSettingsView } from '../api/api-types.ts';
import '../elements/console-error.ts';
import './mount-settings-section.ts';
import './pushes-section.ts';

export class StationPage extends ConsoleElement {
  static override styles = consoleStyles;

  #station = new ApiResource<StationSettingsView>(this, () => this.app!.api.get<StationSettingsView>('/station'));
  #save = new ApiAction(this);

  override render() {
    const s = this.#station.value;
    return html`<h1>Station</h1>
      <div class="stack">
      <section aria-labelledby="station-h">
        <h2 id="station-h">What listeners see</h2>
        <console-error .error=${this.#station.error}></console-error>
        ${s ? html`<form class="stack" @submit=${(e: Event) => void this.#submit(e)}>
          <label>Station name <input name="name" required maxlength="256" .value=${s.name ?? ''}></label>
          <label>Description <textarea name="description" rows="4" maxlength="1024" .value=${s.description ?? ''}></textarea></label>
          <button class="primary" type="submit" ?disabled=${this.#save.busy}>Save</button>
          ${this.#save.message ? html`<p role="status">${this.#save.message}</p>` : nothing}
          <console-error .error=${this.#save.error}></console-error>
        </form>` : this.#station.error ? nothing : html`<p role="status">Loading…</p>`}
      </section>
      <console-mount-settings .app=${this.app}></console-mount-settings>
      <console-pushes .app=${this.app}></console-pushes>
      </div>`;
  }

  async #submit(e: Event): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const change = { name: String(data.get('name') ?? '').trim(), description: String(data.get('description') ?? '') };
    const saved = await this.#save.run(() => this.app!.api.patch<StationSettingsView>('/station', change), 'Saved.');
    if (saved !== undefined) {
      this.app?.setStationName(change.name);
      void this.#station.reload();
    }
  }
}
customElements.define('console-station-page', StationPage);
