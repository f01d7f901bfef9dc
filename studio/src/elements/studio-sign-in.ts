// The DJ sign-in form: name and password, exchanged for a session token (never a source password).
import { css, html, nothing } from 'lit';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';

export class StudioSignIn extends StudioElement {
  static override styles = [panelStyles, css`form { display: grid; gap: 10px; max-width: 320px; } label { display: grid; gap: 4px; }`];

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    return html`<section aria-labelledby="signin-h">
      <h2 id="signin-h">Sign in</h2>
      ${s.sessionGone ? html`<p role="alert" class="session-gone">${s.sessionGone}</p>` : nothing}
      <form @submit=${(e: Event) => this.#submit(e)}>
        <label>DJ name <input name="name" autocomplete="username" required></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
        <button type="submit" ?disabled=${s.busy !== ''}>${s.sessionGone ? 'Sign in again' : 'Sign in'}</button>
        ${s.busy ? html`<p role="status">${s.busy}</p>` : nothing}
        ${s.signInError ? html`<p role="alert">${s.signInError}</p>` : nothing}
      </form>
    </section>`;
  }

  #submit(e: Event): void {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    void this.studio?.signIn(String(form.get('name') ?? ''), String(form.get('password') ?? ''));
  }
}
customElements.define('studio-sign-in', StudioSignIn);
