// Tokens: API tokens for scripts (`Authorization: Bearer ack_…`), each created with a label and
// shown once — only its hash is kept — and revoked here.
import { html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiAction, ApiResource } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import { seg } from '../api/api-client.ts';
import type { ApiTokenView, CreatedToken } from '../api/api-types.ts';
import { formatDateTime } from '../format.ts';
import '../elements/console-error.ts';

export class TokensPage extends ConsoleElement {
  static override styles = consoleStyles;

  #tokens = new ApiResource<ApiTokenView[]>(this, () => this.app!.api.get<ApiTokenView[]>('/tokens'));
  #create = new ApiAction(this);
  #revoke = new ApiAction(this);
  #created: CreatedToken | null = null;

  override render() {
    const tokens = this.#tokens.value ?? [];
    return html`<h1>API tokens</h1>
      <div class="stack">
        <section aria-labelledby="new-token-h">
          <h2 id="new-token-h">New token</h2>
          <form class="stack" @submit=${(e: Event) => void this.#submit(e)}>
            <label>Label (what the token is for) <input name="label" required maxlength="100" autocomplete="off"></label>
            <button class="primary" type="submit" ?disabled=${this.#create.busy}>Create token</button>
            <console-error .error=${this.#create.error}></console-error>
          </form>
          ${this.#created ? html`<div role="status">
            <p>Token <strong>${this.#created.label}</strong> — copy it now, it is shown only once:</p>
            <p><output class="mono" aria-label="New token">${this.#created.token}</output></p>
            <button @click=${() => void navigator.clipboard?.writeText(this.#created?.token ?? '')}>Copy token</button>
            <button @click=${() => this.#dismiss()}>Done</button>
          </div>` : nothing}
        </section>
        <section aria-labelledby="tokens-h">
          <h2 id="tokens-h">Your tokens</h2>
          <console-error .error=${this.#tokens.error}></console-error>
          <console-error .error=${this.#revoke.error}></console-error>
          ${this.#revoke.message ? html`<p role="status">${this.#revoke.message}</p>` : nothing}
          ${tokens.length === 0 ? html`<p>No tokens.</p>` : html`<div class="table-wrap"><table>
            <thead><tr><th>Label</th><th>Created</th><th>Last used</th><th>Revoke</th></tr></thead>
            <tbody>${tokens.map((t) => html`<tr>
              <td>${t.label}</td><td>${formatDateTime(t.createdAt)}</td><td>${formatDateTime(t.lastUsedAt)}</td>
              <td><button class="danger" aria-label=${`Revoke ${t.label}`} @click=${() => void this.#doRevoke(t)}>Revoke</button></td>
            </tr>`)}</tbody>
          </table></div>`}
        </section>
      </div>`;
  }

  async #submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const label = String(new FormData(form).get('label') ?? '').trim();
    const created = await this.#create.run(() => this.app!.api.post<CreatedToken>('/tokens', { label }));
    if (created) {
      this.#created = created;
      form.reset();
      void this.#tokens.reload();
    }
  }

  #dismiss(): void {
    this.#created = null;
    this.requestUpdate();
  }

  async #doRevoke(t: ApiTokenView): Promise<void> {
    await this.#revoke.run(() => this.app!.api.delete(`/tokens/${seg(t.id)}`), `Revoked ${t.label}: it no longer works.`);
    void this.#tokens.reload();
  }
}
customElements.define('console-tokens-page', TokensPage);
