// Recordings: every show (newest first) with its status as recorded → stored → verified (failed in
// red with its code and reason), size, duration and checksum; fragments of one show grouped,
// soundchecks hidden unless asked for; filters by DJ, date and status. Reloads when the bridge says
// a recording changed (the `recordings` event).
import { css, html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiResource } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import { RECORDING_STATUSES, type RecordingItem, type RecordingStatus } from '../api/api-types.ts';
import { formatBytes, formatDateTime, formatDuration, shortHash } from '../format.ts';
import { groupRecordings, recordingPipeline, statusLabel } from '../recording-pipeline.ts';
import { routeHref } from '../router.ts';
import '../elements/console-error.ts';

/** From a date input (local day) to the ISO bound the API filters on. */
const dayBound = (value: string, end: boolean): string | undefined => {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y!, m! - 1, d! + (end ? 1 : 0)).toISOString();
};

export const pipelineStyles = css`
  ol.pipeline { list-style: none; display: flex; flex-wrap: wrap; gap: 4px; margin: 0; padding: 0; align-items: center; }
  ol.pipeline li { display: inline-flex; align-items: center; gap: 4px; }
  ol.pipeline li + li::before { content: '→'; color: var(--ac-text-muted); }
  .step { padding: 1px 8px; border-radius: 999px; border: 1px solid var(--ac-border-strong); font-size: 12px; }
  .step.done { border-color: var(--ac-ok); color: #7ee2a8; }
  .step.active { border-color: var(--ac-warn); color: var(--ac-warn); }
  .step.pending { color: var(--ac-text-muted); border-style: dashed; }
  .step.failed { border-color: var(--ac-bad); background: var(--ac-bad); color: #fff; }
  .failure { color: #ffb4b6; border-left: 3px solid var(--ac-bad); padding-left: 8px; margin: 6px 0 0; overflow-wrap: anywhere; }
`;

/** The pipeline badges and, for a failed or gappy recording, its code and reason. */
export function renderStatus(item: RecordingItem) {
  const steps = recordingPipeline(item);
  const stepText = (s: (typeof steps)[number]) => (s.state === 'failed' ? `${s.name}: failed` : s.state === 'active' ? `${s.name}…` : s.name);
  return html`<ol class="pipeline" aria-label=${`Status: ${statusLabel(item.status)}`}>
      ${steps.map((s) => html`<li><span class="step ${s.state}" title=${`${s.name}: ${s.state}`}>${stepText(s)}</span></li>`)}
    </ol>
    ${item.status === 'failed'
      ? html`<p class="failure" role="note"><strong>failed</strong> <code>${item.errorCode ?? 'UNKNOWN'}</code> ${item.reason ?? ''}</p>`
      : item.status === 'verified_with_gaps'
        ? html`<p class="failure warn" role="note"><strong>verified with gaps</strong> <code>${item.errorCode ?? ''}</code> ${item.reason ?? ''}</p>`
        : nothing}`;
}

export class RecordingsPage extends ConsoleElement {
  static override styles = [...consoleStyles, pipelineStyles, css`
    form.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin-bottom: 12px; }
    form.filters label { display: grid; gap: 2px; }
    form.filters label.check { display: inline-flex; gap: 6px; align-items: center; min-height: 30px; }
    .group { display: grid; gap: 8px; }
    .group.fragments { border-left: 3px solid var(--ac-accent); padding-left: 8px; }
    .rec { display: grid; gap: 6px; }
    .rec.failed { border-color: var(--ac-bad); }
    .rec header { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; }
    .rec header a { font-weight: 600; font-size: 15px; overflow-wrap: anywhere; }
    dl.facts.inline { grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); }
    dl.facts.inline div { min-width: 0; }
    dl.facts.inline dd { font-variant-numeric: tabular-nums; }`];

  #filter = { dj: '', from: '', to: '', status: '' as '' | RecordingStatus, soundchecks: false };
  #seenVersion = -1;
  #list = new ApiResource<RecordingItem[]>(this, () => this.app!.api.get<RecordingItem[]>('/recordings', {
    dj: this.#filter.dj || undefined,
    from: dayBound(this.#filter.from, false),
    to: dayBound(this.#filter.to, true),
    status: this.#filter.status || undefined,
    soundchecks: this.#filter.soundchecks,
  }));

  override willUpdate(): void {
    // A `recordings` event: the list changed on the bridge.
    const v = this.app?.recordingsVersion ?? 0;
    if (this.#seenVersion !== -1 && v !== this.#seenVersion) void this.#list.reload();
    this.#seenVersion = v;
  }

  override render() {
    const items = this.#list.value;
    return html`<h1>Recordings</h1>
      <form class="filters" role="search" aria-label="Filter recordings" @change=${(e: Event) => this.#changed(e)} @submit=${(e: Event) => this.#changed(e)}>
        ${this.app?.can('operator') ? html`<label>DJ <input name="dj" .value=${this.#filter.dj} autocomplete="off"></label>` : nothing}
        <label>From <input name="from" type="date" .value=${this.#filter.from}></label>
        <label>To <input name="to" type="date" .value=${this.#filter.to}></label>
        <label>Status <select name="status">
          <option value="" ?selected=${this.#filter.status === ''}>any</option>
          ${RECORDING_STATUSES.map((s) => html`<option value=${s} ?selected=${this.#filter.status === s}>${statusLabel(s)}</option>`)}
        </select></label>
        <label class="check"><input name="soundchecks" type="checkbox" .checked=${this.#filter.soundchecks}> Include soundchecks</label>
        <button type="submit">Apply</button>
      </form>
      <console-error .error=${this.#list.error}></console-error>
      ${this.#list.loading && !items ? html`<p role="status">Loading recordings…</p>` : nothing}
      ${items && items.length === 0 ? html`<p>No recordings match.</p>` : nothing}
      ${items ? html`<ul class="plain" aria-label="Recordings">${groupRecordings(items).map((g) => this.#group(g))}</ul>` : nothing}`;
  }

  #group(group: RecordingItem[]) {
    if (group.length === 1) return html`<li class="group">${this.#item(group[0]!)}</li>`;
    const total = group.reduce((n, i) => n + i.durationMs, 0);
    return html`<li class="group fragments" aria-label=${`${group[0]!.showName || 'Show'}: ${group.length} fragments`}>
      <p class="muted">One show in ${group.length} fragments, ${formatDuration(total)} in all</p>
      <ul class="plain">${group.map((i) => html`<li>${this.#item(i)}</li>`)}</ul>
    </li>`;
  }

  #item(item: RecordingItem) {
    const name = item.showName || item.showId;
    return html`<article class="card rec ${item.status === 'failed' ? 'failed' : ''}" data-show-id=${item.showId} aria-label=${`Recording ${name}`}>
      <header>
        <a href=${routeHref({ page: 'recording', id: item.showId })}>${name}</a>
        <span>${item.dj}</span>
        <span class="muted">${formatDateTime(item.startedAt)}</span>
        ${item.soundcheck ? html`<span class="badge">soundcheck</span>` : nothing}
        ${item.source.kind === 'client' ? html`<span class="badge">client${item.source.mount ? ` ${item.source.mount}` : ''}</span>` : html`<span class="badge">studio</span>`}
      </header>
      ${renderStatus(item)}
      <dl class="facts inline">
        <div><dt>Duration</dt><dd>${formatDuration(item.durationMs)}</dd></div>
        <div><dt>Size</dt><dd>${formatBytes(item.sizeBytes)}</dd></div>
        <div><dt>SHA-256</dt><dd class="mono" title=${item.sha256 ?? ''}>${shortHash(item.sha256)}</dd></div>
        <div><dt>Format</dt><dd>${item.format}</dd></div>
      </dl>
    </article>`;
  }

  #changed(e: Event): void {
    e.preventDefault();
    const form = (e.currentTarget as HTMLFormElement);
    const data = new FormData(form);
    this.#filter = {
      dj: String(data.get('dj') ?? ''),
      from: String(data.get('from') ?? ''),
      to: String(data.get('to') ?? ''),
      status: String(data.get('status') ?? '') as '' | RecordingStatus,
      soundchecks: data.get('soundchecks') !== null,
    };
    void this.#list.reload();
  }
}
customElements.define('console-recordings-page', RecordingsPage);
