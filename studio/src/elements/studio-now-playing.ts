// Now-playing: artist and title, settable at any time; sent to the bridge when connected.
import { html, nothing } from 'lit';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';

export class StudioNowPlaying extends StudioElement {
  static override styles = panelStyles;

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    const np = s.nowPlaying;
    return html`<section aria-labelledby="np-h">
      <h2 id="np-h">Now playing</h2>
      <form class="row" @submit=${(e: Event) => this.#submit(e)}>
        <label>Artist <input name="artist" maxlength="256" autocomplete="off"></label>
        <label>Title <input name="title" maxlength="256" autocomplete="off"></label>
        <button type="submit">Set now playing</button>
      </form>
      <p role="status" aria-live="polite">${np.artist || np.title
        ? html`${np.artist} – ${np.title} ${np.confirmed ? '(on the stream)' : s.phase === 'off' ? '(sent when you connect)' : '(sending…)'}`
        : 'Nothing set'}</p>
    </section>`;
  }

  #submit(e: Event): void {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    void this.studio?.setNowPlaying(String(form.get('artist') ?? '').trim(), String(form.get('title') ?? '').trim());
  }
}
customElements.define('studio-now-playing', StudioNowPlaying);
