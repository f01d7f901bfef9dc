// The console's sign-in: name and password → a session cookie (HttpOnly) and a CSRF token.
import { css, html, nothing } from 'lit';
import { ConsoleElement } from './console-element.ts';
import { consoleStyles } from './styles.ts';
import './console-error.ts';

export class ConsoleSignIn extends ConsoleElement {
  static override styles = [...consoleStyles, css`section { max-width: 380px; margin: 40px auto; }`];

  override render() {
    const app = this.app;
    if (!app) return nothing;
    return html`<section aria-labelledby="signin-h">
      <h1 id="signin-h">Sign in to the console</h1>
      <form class="stack" @submit=${(e: Event) => this.#submit(e)}>
        <label>Name <input name="name" autocomplete="username" required></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
        <button class="primary" type="submit" ?disabled=${app.busy}>Sign in</button>
        ${app.busy ? html`<p role="status">Signing in…</p>` : nothing}
        <console-error .error=${app.signInError}></console-error>
      </form>
    </section>`;
  }

  #submit(e: Event): void {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    void this.app?.signIn(String(form.get('name') ?? ''), String(form.get('password') ?? ''));
  }
}
customElements.define('console-sign-in', ConsoleSignIn);
