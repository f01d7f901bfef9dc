// One recording: a player (the audio element streams /api/v1/recordings/{id}/audio with HTTP Range,
// so it seeks), the waveform overview, every fact (size, SHA-256, CRC32C, duration, source, where
// it is stored), gaps and tracklist; download the original or the MP3 rendition; re-verify
// (operators); delete (admins, after typing the show id).
import { css, html, nothing } from 'lit';
import type { PropertyDeclarations } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiAction, ApiResource } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import { API_BASE, seg } from '../api/api-client.ts';
import type { RecordingItem, RenditionCheck, VerifyResult, Waveform } from '../api/api-types.ts';
import { formatBytes, formatDateTime, formatDuration } from '../format.ts';
import { routeHref } from '../router.ts';
import { pipelineStyles, renderStatus } from './recordings-page.ts';
import '../elements/console-error.ts';
import '../elements/console-waveform.ts';

export class RecordingPage extends ConsoleElement {
  static override properties: PropertyDeclarations = { ...ConsoleElement.properties, showId: {} };
  static override styles = [...consoleStyles, pipelineStyles, css`
    .player { display: grid; gap: 8px; }
    audio { width: 100%; }
    .grid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; }
    @media (max-width: 800px) { .grid { grid-template-columns: minmax(0, 1fr); } }
    form.confirm { border: 1px solid var(--ac-bad); border-radius: var(--ac-radius); padding: var(--ac-pad); }
    ol.list { margin: 0; padding-left: 20px; }`];
  declare showId: string;

  #item = new ApiResource<RecordingItem>(this, () => this.app!.api.get<RecordingItem>(`/recordings/${seg(this.showId)}`), { auto: false });
  #waveform = new ApiResource<Waveform | null>(this, () => this.app!.api.get<Waveform>(`/recordings/${seg(this.showId)}/waveform`), { auto: false });
  #waveformFor = '';
  #verify = new ApiAction(this);
  #delete = new ApiAction(this);
  #confirming = false;
  #confirmText = '';
  #positionS = 0;
  #durationS = 0;
  #loadedFor = '';

  constructor() {
    super();
    this.showId = '';
  }

  override willUpdate(): void {
    if (this.showId && this.showId !== this.#loadedFor) {
      this.#loadedFor = this.showId;
      void this.#item.reload();
    }
    // The waveform once the recording says it has one (computed at finalize).
    const item = this.#item.value;
    if (item?.showId === this.showId && item.waveform && this.#waveformFor !== item.showId) {
      this.#waveformFor = item.showId;
      void this.#waveform.reload();
    }
  }

  get #audio(): HTMLAudioElement | null {
    return this.renderRoot.querySelector('audio');
  }

  override render() {
    const item = this.#item.value;
    const back = html`<p><a href=${routeHref({ page: 'recordings' })}>← All recordings</a></p>`;
    if (!item || item.showId !== this.showId) {
      return html`${back}<console-error .error=${this.#item.error}></console-error>${this.#item.error ? nothing : html`<p role="status">Loading…</p>`}`;
    }
    const base = `${API_BASE}/recordings/${seg(item.showId)}`;
    const name = item.showName || item.showId;
    const wf = this.#waveform.value;
    const durationS = this.#durationS || item.durationMs / 1000;
    return html`${back}
      <h1>${name}</h1>
      <div class="grid">
        <div class="stack">
          <section class="player" aria-labelledby="player-h">
            <h2 id="player-h">Listen</h2>
            <audio controls preload="metadata" src=${`${base}/audio`} aria-label=${`Recording of ${name}`}
              @timeupdate=${() => this.#timeUpdate()} @seeked=${() => this.#timeUpdate()} @loadedmetadata=${() => this.#timeUpdate()}
              @play=${() => this.requestUpdate()} @pause=${() => this.requestUpdate()}></audio>
            <div class="row">
              <button @click=${() => this.#togglePlay()}>${this.#audio && !this.#audio.paused ? 'Pause' : 'Play'}</button>
              <span class="muted" aria-live="off">${formatDuration(this.#positionS * 1000)} / ${formatDuration(durationS * 1000)}</span>
            </div>
            ${wf && this.#waveformFor === item.showId
              ? html`<console-waveform .peaks=${wf.peaks} .peaksPerSecond=${wf.peaksPerSecond} .durationS=${durationS} .positionS=${this.#positionS}
                  .gaps=${item.gaps.map((g) => ({ startS: g.offsetMs / 1000, durationS: g.durationMs / 1000 }))}
                  @seek=${(e: CustomEvent<number>) => this.#seek(e.detail)}></console-waveform>`
              : html`<p class="muted">${!item.waveform ? 'No waveform for this recording.' : this.#waveform.loading ? 'Loading the waveform…' : ''}</p>`}
            <console-error .error=${this.#waveform.error}></console-error>
            <div class="row">
              <a class="button" href=${`${base}/audio?download=1`} download>Download original</a>
              ${item.rendition ? html`<a class="button" href=${`${base}/rendition.mp3?download=1`} download>Download MP3 (${item.rendition.bitrateKbps} kbps, ${formatBytes(item.rendition.sizeBytes)})</a>` : nothing}
            </div>
          </section>
          <section aria-labelledby="gaps-h">
            <h2 id="gaps-h">Gaps</h2>
            ${item.gaps.length === 0 ? html`<p>No gaps.</p>` : html`<ol class="list">${item.gaps.map((g) => html`<li>
              at ${formatDuration(g.offsetMs)} for ${formatDuration(g.durationMs)}${g.cause ? html` — <code>${g.cause}</code>` : nothing} ${g.reason ?? ''}</li>`)}</ol>`}
          </section>
          <section aria-labelledby="tracks-h">
            <h2 id="tracks-h">Tracklist</h2>
            ${item.tracklist.length === 0 ? html`<p>No titles were set during the show.</p>` : html`<ol class="list">${item.tracklist.map((t) => html`<li>
              <button class="link" @click=${() => this.#seek(t.offsetMs / 1000)} aria-label=${`Play from ${formatDuration(t.offsetMs)}`}>${formatDuration(t.offsetMs)}</button>
              ${t.artist || t.title ? `${t.artist ? `${t.artist} — ` : ''}${t.title}` : html`<span class="muted">(title cleared)</span>`}</li>`)}</ol>`}
          </section>
        </div>
        <div class="stack">
          <section aria-labelledby="status-h">
            <h2 id="status-h">Status</h2>
            ${renderStatus(item)}
          </section>
          <section aria-labelledby="facts-h">
            <h2 id="facts-h">Details</h2>
            <dl class="facts">
              <dt>Show id</dt><dd class="mono">${item.showId}</dd>
              <dt>DJ</dt><dd>${item.dj}</dd>
              ${item.description ? html`<dt>Description</dt><dd>${item.description}</dd>` : nothing}
              <dt>Started</dt><dd>${formatDateTime(item.startedAt)}</dd>
              <dt>Ended</dt><dd>${formatDateTime(item.endedAt)}</dd>
              <dt>Duration</dt><dd>${formatDuration(item.durationMs)}</dd>
              <dt>Size</dt><dd>${formatBytes(item.sizeBytes)}${item.sizeBytes !== null ? html` <span class="muted">(${item.sizeBytes.toLocaleString('en')} bytes)</span>` : nothing}</dd>
              <dt>Format</dt><dd>${item.format} <span class="muted">${item.contentType}</span></dd>
              <dt>SHA-256</dt><dd class="mono" data-field="sha256">${item.sha256 ?? '—'}</dd>
              <dt>CRC32C</dt><dd class="mono">${item.crc32c ?? '—'}</dd>
              <dt>Source</dt><dd>${this.#source(item)}</dd>
              <dt>Stored at</dt><dd class="mono">${item.storeLocation ?? 'not stored'}</dd>
              ${item.lastCheck ? html`<dt>Last re-check</dt><dd data-field="last-check" class=${item.lastCheck.verified ? '' : 'bad'}>${checkText(item.lastCheck.verified, item.lastCheck.at, item.lastCheck.reason, item.lastCheck.rendition)}</dd>` : nothing}
              ${item.soundcheck ? html`<dt>Soundcheck</dt><dd>yes: never went live</dd>` : nothing}
            </dl>
          </section>
          ${this.app?.can('operator') ? this.#actions(item) : nothing}
        </div>
      </div>`;
  }

  #source(item: RecordingItem) {
    const s = item.source;
    if (s.kind === 'studio') return 'the studio';
    return [`a source client${s.mount ? ` on ${s.mount}` : ''}`, s.iceName ? `“${s.iceName}”` : '', s.address ? `from ${s.address}` : '', s.userAgent ? `(${s.userAgent})` : '']
      .filter(Boolean).join(' ');
  }

  #actions(item: RecordingItem) {
    const admin = this.app?.can('admin') ?? false;
    return html`<section aria-labelledby="actions-h">
      <h2 id="actions-h">Actions</h2>
      <div class="row">
        <button @click=${() => this.#reverify()} ?disabled=${this.#verify.busy}>Re-verify</button>
        ${admin && !this.#confirming ? html`<button class="danger" @click=${() => this.#askDelete()}>Delete…</button>` : nothing}
      </div>
      ${this.#verify.busy ? html`<p role="status">Reading the stored object again…</p>` : nothing}
      ${this.#verify.message ? html`<p role="status">${this.#verify.message}</p>` : nothing}
      <console-error .error=${this.#verify.error}></console-error>
      ${admin && this.#confirming ? html`<form class="confirm stack" @submit=${(e: Event) => this.#doDelete(e, item)}>
        <p>Deleting removes the recording, its rendition, manifest and cue sheet from the store and the spool. This cannot be undone.</p>
        <label>Type the show id <code>${item.showId}</code> to confirm
          <input name="confirm" autocomplete="off" .value=${this.#confirmText} @input=${(e: Event) => this.#typed(e)}></label>
        <div class="row">
          <button class="danger" type="submit" ?disabled=${this.#confirmText !== item.showId || this.#delete.busy}>Delete recording</button>
          <button type="button" @click=${() => this.#cancelDelete()}>Cancel</button>
        </div>
        <console-error .error=${this.#delete.error}></console-error>
      </form>` : nothing}
    </section>`;
  }

  #timeUpdate(): void {
    const a = this.#audio;
    if (!a) return;
    this.#positionS = a.currentTime;
    if (Number.isFinite(a.duration)) this.#durationS = a.duration;
    this.requestUpdate();
  }

  #togglePlay(): void {
    const a = this.#audio;
    if (!a) return;
    if (a.paused) void a.play().catch((err: Error) => {
      this.#verify.error = { code: 'CONSOLE_PLAYBACK', message: `the browser could not play the recording: ${err.message}` };
      this.requestUpdate();
    });
    else a.pause();
  }

  #seek(seconds: number): void {
    const a = this.#audio;
    if (a) a.currentTime = seconds;
  }

  async #reverify(): Promise<void> {
    await this.#verify.run(
      () => this.app!.api.post<VerifyResult>(`/recordings/${seg(this.showId)}/verify`),
      (r) => checkText(r.verified, r.checkedAt, r.reason, r.rendition),
    );
    void this.#item.reload();
  }

  #askDelete(): void {
    this.#confirming = true;
    this.#confirmText = '';
    this.requestUpdate();
  }

  #cancelDelete(): void {
    this.#confirming = false;
    this.#delete.clear();
  }

  #typed(e: Event): void {
    this.#confirmText = (e.target as HTMLInputElement).value;
    this.requestUpdate();
  }

  async #doDelete(e: Event, item: RecordingItem): Promise<void> {
    e.preventDefault();
    if (this.#confirmText !== item.showId) return;
    const ok = await this.#delete.run(async () => {
      await this.app!.api.delete(`/recordings/${seg(item.showId)}`, { confirm: this.#confirmText });
      return true;
    });
    if (ok) location.hash = routeHref({ page: 'recordings' });
  }
}
customElements.define('console-recording-page', RecordingPage);

/** One re-check's result in a sentence: the recording and, when stored, its MP3 rendition. */
function checkText(verified: boolean, at: string, reason: string | null, rendition: RenditionCheck | null): string {
  const what = rendition ? 'the recording and its MP3 rendition' : 'the recording';
  return verified
    ? `Verified again at ${formatDateTime(at)}: ${what} read back whole, sizes, checksums and durations match.`
    : `Not verified (${formatDateTime(at)}): ${reason ?? 'no reason given'}`;
}
