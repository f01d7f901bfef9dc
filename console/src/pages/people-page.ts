// People: the accounts (one system for admins, operators and DJs). Operators see and manage DJs
// (create, disable / enable, reset password); admins every account, with role changes and removal.
import { css, html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiAction, ApiResource } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import { seg } from '../api/api-client.ts';
import type { Role, UserView } from '../api/api-types.ts';
import { formatDateTime } from '../format.ts';
import '../elements/console-error.ts';

const ORIGIN_TEXT: Record<UserView['origin'], string> = { console: 'console', config: 'config file', 'djs.json': 'djs.json', credentials: 'credentials file' };

export class PeoplePage extends ConsoleElement {
  static override styles = [...consoleStyles, css`
    tr.disabled td:first-child { text-decoration: line-through; }
    form.reset { display: flex; flex-wrap: wrap; gap: 6px; align-items: end; }`];

  #users = new ApiResource<UserView[]>(this, () => this.app!.api.get<UserView[]>('/users'));
  #create = new ApiAction(this);
  #change = new ApiAction(this);
  #resetting: string | null = null;

  override render() {
    const admin = this.app?.can('admin') ?? false;
    const users = this.#users.value ?? [];
    const roles: Role[] = admin ? ['dj', 'operator', 'admin'] : ['dj'];
    return html`<h1>People</h1>
      <div class="stack">
        <section aria-labelledby="new-user-h">
          <h2 id="new-user-h">New ${admin ? 'account' : 'DJ'}</h2>
          <form class="stack" aria-label="New account" @submit=${(e: Event) => void this.#submit(e)}>
            <label>Name <input name="name" required autocomplete="off" maxlength="64"></label>
            <label>Role <select name="role">${roles.map((r) => html`<option value=${r}>${r}</option>`)}</select></label>
            <label>Password (at least 8 characters) <input name="password" type="password" required minlength="8" autocomplete="new-password"></label>
            <button class="primary" type="submit" ?disabled=${this.#create.busy}>Create account</button>
            ${this.#create.message ? html`<p role="status">${this.#create.message}</p>` : nothing}
            <console-error .error=${this.#create.error}></console-error>
          </form>
        </section>
        <section aria-labelledby="users-h">
          <h2 id="users-h">${admin ? 'Accounts' : 'DJs'}</h2>
          <console-error .error=${this.#users.error}></console-error>
          <console-error .error=${this.#change.error}></console-error>
          ${this.#change.message ? html`<p role="status">${this.#change.message}</p>` : nothing}
          <div class="table-wrap"><table>
            <thead><tr><th>Name</th><th>Role</th><th>State</th><th>Last sign-in</th><th>From</th><th>Actions</th></tr></thead>
            <tbody>${users.map((u) => this.#row(u, admin))}</tbody>
          </table></div>
        </section>
      </div>`;
  }

  #row(u: UserView, admin: boolean) {
    const me = u.name === this.app?.user?.name;
    const manageable = admin || u.role === 'dj';
    return html`<tr class=${u.disabled ? 'disabled' : ''} data-user=${u.name}>
      <td>${u.name}${me ? html` <span class="muted">(you)</span>` : nothing}</td>
      <td>${admin && !me
        ? html`<select aria-label=${`Role of ${u.name}`} @change=${(e: Event) => void this.#setRole(u, (e.target as HTMLSelectElement).value as Role)}>
            ${(['dj', 'operator', 'admin'] as Role[]).map((r) => html`<option value=${r} ?selected=${u.role === r}>${r}</option>`)}</select>`
        : u.role}</td>
      <td>${u.disabled ? html`<span class="badge bad">disabled</span>` : html`<span class="badge ok">active</span>`}</td>
      <td>${formatDateTime(u.lastLoginAt)}</td>
      <td>${ORIGIN_TEXT[u.origin] ?? u.origin}</td>
      <td>${manageable && !me ? html`<div class="row">
          <button @click=${() => void this.#setDisabled(u, !u.disabled)}>${u.disabled ? 'Enable' : 'Disable'}<span class="muted"> ${u.name}</span></button>
          <button @click=${() => this.#askReset(u.name)} aria-expanded=${this.#resetting === u.name ? 'true' : 'false'}>Reset password<span class="muted"> of ${u.name}</span></button>
          ${admin ? html`<button class="danger" @click=${() => void this.#remove(u)}>Remove<span class="muted"> ${u.name}</span></button>` : nothing}
        </div>
        ${this.#resetting === u.name ? html`<form class="reset" @submit=${(e: Event) => void this.#reset(e, u)}>
          <label>New password for ${u.name} <input name="password" type="password" required minlength="8" autocomplete="new-password"></label>
          <button type="submit">Set password</button>
          <button type="button" @click=${() => this.#askReset(null)}>Cancel</button>
        </form>` : nothing}` : nothing}</td>
    </tr>`;
  }

  async #submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const created = await this.#create.run(
      () => this.app!.api.post<UserView>('/users', { name, role: String(data.get('role') ?? 'dj'), password: String(data.get('password') ?? '') }),
      (u) => `Created ${u.role} ${u.name}.`,
    );
    if (created) {
      form.reset();
      void this.#users.reload();
    }
  }

  async #patch(u: UserView, change: { disabled?: boolean; role?: Role; password?: string }, done: string): Promise<boolean> {
    const r = await this.#change.run(() => this.app!.api.patch<UserView>(`/users/${seg(u.name)}`, change), done);
    void this.#users.reload();
    return r !== undefined;
  }

  #setDisabled(u: UserView, disabled: boolean): Promise<boolean> {
    return this.#patch(u, { disabled }, `${u.name} is ${disabled ? 'disabled: signed out everywhere' : 'enabled again'}.`);
  }

  #setRole(u: UserView, role: Role): Promise<boolean> {
    return this.#patch(u, { role }, `${u.name} is now ${role}.`);
  }

  #askReset(name: string | null): void {
    this.#resetting = name;
    this.requestUpdate();
  }

  async #reset(e: Event, u: UserView): Promise<void> {
    e.preventDefault();
    const password = String(new FormData(e.target as HTMLFormElement).get('password') ?? '');
    if (await this.#patch(u, { password }, `The password of ${u.name} was reset.`)) this.#resetting = null;
  }

  async #remove(u: UserView): Promise<void> {
    if (!confirm(`Remove the account ${u.name}? Their recordings stay.`)) return;
    await this.#change.run(() => this.app!.api.delete(`/users/${seg(u.name)}`), `Removed ${u.name}.`);
    void this.#users.reload();
  }
}
customElements.define('console-people-page', PeoplePage);
