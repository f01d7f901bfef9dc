// The preview player: the private /test mount, as listeners will hear it, in the DJ's headphones.
// Playing it is the "cue preview": it never goes on air.
import { html, nothing } from 'lit';
import type { PropertyValues } from 'lit';
import { StudioElement } from './studio-element.ts';
import { panelStyles } from './styles.ts';

export class StudioPreview extends StudioElement {
  static override styles = panelStyles;

  override render() {
    const s = this.studio;
    if (!s?.sessionInfo) return nothing;
    const canPlay = s.phase !== 'off';
    return html`<section aria-labelledby="preview-h">
      <h2 id="preview-h">Preview (/test)</h2>
      <div class="row">
        <button aria-pressed=${String(s.previewCued)} ?disabled=${!canPlay && !s.previewCued}
          @click=${() => s.setPreviewCued(!s.previewCued)}>${s.previewCued ? 'Stop preview' : 'Listen to preview'}</button>
        <audio aria-label="Preview of /test" controls preload="none"></audio>
      </div>
    </section>`;
  }

  // Follows the studio's previewCued into the media element (the element only mirrors state).
  protected override updated(_changed: PropertyValues): void {
    const audio = this.renderRoot.querySelector('audio');
    const s = this.studio;
    if (!audio || !s?.sessionInfo) return;
    if (s.previewCued && audio.paused) {
      // A fresh URL each time: a live stream cannot resume where it paused.
      const url = new URL(s.sessionInfo.previewUrl, location.href);
      url.searchParams.set('_', String(Date.now()));
      audio.src = url.href;
      audio.play().catch((err: Error) => {
        s.message = `The preview could not play: ${err.message}`;
      });
    } else if (!s.previewCued && !audio.paused) {
      audio.pause();
      audio.removeAttribute('src');
      audio.load();
    }
  }
}
customElements.define('studio-preview', StudioPreview);
