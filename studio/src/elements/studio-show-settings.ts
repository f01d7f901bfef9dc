// Show settings: the show's name and description (ice-name / ice-description on every mount the show
// feeds, and in the recording) and the MP3 companion's bitrate (off air only). Renders the Studio's
// showSettings; Save hands them to the Studio, which sends them (PROTOCOL.md §4.13).
import { css, html, nothing } from 'lit';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';
import { MAX_SHOW_DESCRIPTION_CHARS, MAX_SHOW_NAME_CHARS } from '../../../shared/src/protocol/messages.ts';

export class StudioShowSettings extends StudioElement {
  static override styles = [panelStyles, css`form { display: grid; gap: 8px; } form label { display: grid; gap: 2px; } input { min-width: 0; }
    .error { background: #4a1d1d; border: 1px solid #b91c1c; border-radius: 6px; padding: 6px 8px; margin: 8px 0 0; }`];

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    const show = s.showSettings;
    const { defaultKbps, allowedKbps } = s.mp3Bitrates;
    const chosen = show.mp3BitrateKbps !== null && allowedKbps.includes(show.mp3BitrateKbps) ? show.mp3BitrateKbps : defaultKbps;
    const live = s.phase === 'live';
    return html`<section aria-labelledby="show-h">
      <h2 id="show-h">Show</h2>
      <form @submit=${(e: Event) => this.#submit(e)}>
        <label>Show name <input name="name" maxlength=${MAX_SHOW_NAME_CHARS} autocomplete="off" .value=${show.name} placeholder="the station's name"></label>
        <label>Description <input name="description" maxlength=${MAX_SHOW_DESCRIPTION_CHARS} autocomplete="off" .value=${show.description}></label>
        <label>MP3 stream kbps
          <select name="mp3" ?disabled=${live || allowedKbps.length < 2} title=${live ? 'Change the bitrate off air (before Go live, or after Back to test)' : ''}>
            ${(allowedKbps.length ? allowedKbps : [defaultKbps]).map((k) => html`<option value=${k} ?selected=${k === chosen}>${k} kbps${k === defaultKbps ? ' (default)' : ''}</option>`)}
          </select></label>
        <div class="row"><button type="submit">Save show settings</button>
          <span role="status" aria-live="polite">${show.confirmed ? 'On the stream' : s.phase === 'off' ? 'Sent when you connect' : ''}</span></div>
      </form>
      ${live ? html`<p class="hint">The MP3 bitrate can change off air only.</p>` : nothing}
      ${s.showError ? html`<p class="error" role="alert">${s.showError} <button @click=${() => s.dismissShowError()}>Dismiss</button></p>` : nothing}
    </section>`;
  }

  #submit(e: Event): void {
    e.preventDefault();
    const s = this.studio;
    if (!s) return;
    const form = new FormData(e.target as HTMLFormElement);
    // One line each: a pasted newline or tab becomes a space (the bridge refuses control characters).
    const line = (v: FormDataEntryValue | null) => String(v ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
    const mp3 = form.get('mp3');
    void s.setShowSettings({
      name: line(form.get('name')).slice(0, MAX_SHOW_NAME_CHARS),
      description: line(form.get('description')).slice(0, MAX_SHOW_DESCRIPTION_CHARS),
      // A disabled select (on air) sends nothing: the chosen bitrate stays.
      mp3BitrateKbps: mp3 === null ? s.showSettings.mp3BitrateKbps : Number(mp3),
    });
  }
}
customElements.define('studio-show-settings', StudioShowSettings);
