// Audit log (admins): every change — who, what, when, from where — newest first, 50 at a time.
import { html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { consoleStyles } from '../elements/styles.ts';
import { describeError } from '../api/api-client.ts';
import type { AuditEntry } from '../api/api-types.ts';
import type { ShownError } from '../elements/api-resource.ts';
import { formatDateTime } from '../format.ts';
import '../elements/console-error.ts';

const PAGE = 50;

export class AuditPage extends ConsoleElement {
  static override styles = consoleStyles;

  #entries: AuditEntry[] = [];
  #error: ShownError | null = null;
  #loading = false;
  #more = true;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.#entries.length === 0) void this.#load();
  }

  override render() {
    return html`<h1>Audit log</h1>
      <console-error .error=${this.#error}></console-error>
      <div class="table-wrap"><table>
        <thead><tr><th>When</th><th>Who</th><th>What</th><th>Target</th><th>From</th><th>Detail</th></tr></thead>
        <tbody>${this.#entries.map((e) => html`<tr>
          <td>${formatDateTime(e.at)}</td><td>${e.actor} <span class="muted">${e.role}</span></td><td><code>${e.action}</code></td>
          <td>${e.target}</td><td class="mono">${e.remote}</td><td class="mono">${Object.keys(e.detail).length ? JSON.stringify(e.detail) : ''}</td>
        </tr>`)}</tbody>
      </table></div>
      ${this.#loading ? html`<p role="status">Loading…</p>` : nothing}
      ${!this.#loading && this.#entries.length === 0 && !this.#error ? html`<p>Nothing has changed yet.</p>` : nothing}
      ${this.#more && this.#entries.length > 0 ? html`<button @click=${() => void this.#load()} ?disabled=${this.#loading}>Older entries</button>` : nothing}`;
  }

  async #load(): Promise<void> {
    this.#loading = true;
    this.requestUpdate();
    try {
      const before = this.#entries.at(-1)?.id;
      const page = await this.app!.api.get<AuditEntry[]>('/audit', { limit: PAGE, before });
      this.#entries = [...this.#entries, ...page];
      this.#more = page.length === PAGE;
      this.#error = null;
    } catch (err) {
      this.#error = describeError(err);
    } finally {
      this.#loading = false;
      this.requestUpdate();
    }
  }
}
customElements.define('console-audit-page', AuditPage);
