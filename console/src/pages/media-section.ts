// The Station page's media files (inside the Mounts section): the audio of <data_dir>/media/ that a
// mount can fall back to, with size and length; upload with progress (PUT /api/v1/media/{name}, the
// server checks the audio and answers why it refuses it), delete with confirmation (refused by the
// server while a mount uses the file). Tells its parent with a `media-changed` event.
import { css, html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiAction, ApiResource } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import { ApiError, seg } from '../api/api-client.ts';
import type { MediaFile, MediaUploaded } from '../api/api-types.ts';
import { formatBytes, formatDuration } from '../format.ts';
import { MEDIA_MAX_BYTES, suggestMediaName, uploadContentType } from '../mount-form.ts';
import '../elements/console-error.ts';

export class MediaSection extends ConsoleElement {
  static override styles = [...consoleStyles, css`
    :host { display: block; margin-top: 16px; }
    form.upload { display: grid; gap: 8px; max-width: 560px; }
    progress { width: 100%; }
    td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
    label.check { display: flex; gap: 6px; align-items: center; }
    .table-wrap { overflow-x: auto; }`];

  #files = new ApiResource<MediaFile[]>(this, () => this.app!.api.get<MediaFile[]>('/media'));
  #upload = new ApiAction(this);
  #remove = new ApiAction(this);
  /** Bytes sent of the upload under way (null: none). */
  #progress: { sent: number; total: number } | null = null;
  #name = '';

  override render() {
    const files = (this.#files.value ?? []).filter((f) => !f.bundled);
    return html`<section aria-labelledby="media-h">
      <h3 id="media-h">Media files</h3>
      <p class="muted">Audio a mount can fall back to (MP3, Ogg Opus or Ogg Vorbis, up to ${MEDIA_MAX_BYTES / 1024 / 1024} MiB). Only files the server can play are kept.</p>
      <console-error .error=${this.#files.error}></console-error>
      ${this.#files.value ? (files.length === 0 ? html`<p class="muted">No media files yet.</p>` : html`<div class="table-wrap"><table aria-label="Media files">
        <thead><tr><th>File</th><th>Size</th><th>Length</th><th></th></tr></thead>
        <tbody>${files.map((f) => html`<tr data-media=${f.name}>
          <td>${f.name}</td>
          <td class="num">${formatBytes(f.sizeBytes)}</td>
          <td class="num">${f.durationMs === null ? html`<span class="badge bad">cannot be played</span>` : formatDuration(f.durationMs)}</td>
          <td><button type="button" aria-label=${`Delete ${f.name}`} ?disabled=${this.#remove.busy} @click=${() => void this.#delete(f)}>Delete</button></td>
        </tr>`)}</tbody></table></div>`) : this.#files.error ? nothing : html`<p role="status">Loading…</p>`}
      ${this.#remove.message ? html`<p role="status">${this.#remove.message}</p>` : nothing}
      <console-error .error=${this.#remove.error}></console-error>
      <form class="upload" aria-label="Upload a media file" @submit=${(e: Event) => void this.#submit(e)}>
        <label>Audio file <input type="file" name="file" required accept=".mp3,.ogg,.oga,.opus,audio/mpeg,audio/ogg" @change=${(e: Event) => this.#picked(e)}></label>
        <label>Save as <input type="text" name="name" required maxlength="128" .value=${this.#name}></label>
        <label class="check"><input type="checkbox" name="replace"> Replace a file of the same name (a mount using it plays the new audio)</label>
        <div class="row"><button class="primary" type="submit" ?disabled=${this.#upload.busy}>Upload</button></div>
        ${this.#progress ? html`<label>Uploading ${formatBytes(this.#progress.sent)} of ${formatBytes(this.#progress.total)}
          <progress max=${this.#progress.total} .value=${this.#progress.sent}></progress></label>` : nothing}
        ${this.#upload.message ? html`<p role="status">${this.#upload.message}</p>` : nothing}
        <console-error .error=${this.#upload.error}></console-error>
      </form>
    </section>`;
  }

  #picked(e: Event): void {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) this.#name = suggestMediaName(file.name);
    this.requestUpdate();
  }

  async #submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const file = data.get('file');
    const name = String(data.get('name') ?? '').trim();
    if (!(file instanceof File) || file.size === 0) return;
    this.#name = name;
    const replace = data.get('replace') !== null;
    const uploaded = await this.#upload.run(async () => {
      if (file.size > MEDIA_MAX_BYTES) throw new Error(`${file.name} is ${formatBytes(file.size)}: the server keeps files up to ${MEDIA_MAX_BYTES / 1024 / 1024} MiB; upload a shorter loop or a lower bitrate`);
      this.#progress = { sent: 0, total: file.size };
      try {
        return await this.app!.api.upload<MediaUploaded>(`/media/${seg(name)}${replace ? '?replace=1' : ''}`, file, uploadContentType(file), (sent, total) => {
          this.#progress = { sent, total };
          this.requestUpdate();
        });
      } catch (err) {
        // The web port gives a whole request 30 s (a guard against slow clients).
        if (err instanceof ApiError && err.status === 408) throw new ApiError('HTTP_TIMEOUT', `${file.name} did not arrive within the server's 30 s request limit: upload a smaller file (a shorter loop or a lower bitrate) or from a faster connection`, 408);
        throw err;
      } finally {
        this.#progress = null;
      }
    }, (u) => `${u.replaced ? 'Replaced' : 'Uploaded'} ${u.name} (${formatBytes(u.sizeBytes)}, ${formatDuration(u.durationMs)}).`);
    if (uploaded) {
      form.reset();
      this.#name = '';
      this.#changed();
    }
  }

  async #delete(f: MediaFile): Promise<void> {
    if (!confirm(`Delete the media file ${f.name}? A mount that falls back to it must choose another file first.`)) return;
    const done = await this.#remove.run(() => this.app!.api.delete(`/media/${seg(f.name)}`).then(() => true), `Deleted ${f.name}.`);
    if (done) this.#changed();
  }

  #changed(): void {
    void this.#files.reload();
    this.dispatchEvent(new CustomEvent('media-changed', { bubbles: true, composed: true }));
  }
}
customElements.define('console-media', MediaSection);
