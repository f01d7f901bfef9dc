// Today's schedule: each show with its DJ and times (the listener's clock), the one on now marked.
import { html, css, nothing } from 'lit';
import { StationElement } from './station-element.ts';
import { baseStyles } from './styles.ts';
import { showLine } from '../station-document.ts';
import { clockTime } from '../time-format.ts';

export class StationSchedule extends StationElement {
  static override styles = [
    baseStyles,
    css`
      h2 { font-size: 16px; margin-bottom: var(--ac-pad); }
      ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 2px; }
      li { display: grid; gap: 2px; padding: 8px 10px; border-radius: var(--ac-radius-small); border-left: 3px solid transparent; }
      li.now { border-left-color: var(--ac-live); }
      li.now { background: color-mix(in srgb, var(--ac-live) 14%, transparent); }
      li.past { opacity: .55; }
      time { font: var(--ac-font-mono); font-size: 12px; color: var(--ac-text-muted); }
      .name { font-weight: 600; overflow-wrap: anywhere; min-width: 0; }
      .badge { margin-left: 6px; font-size: 11px; font-weight: 700; color: var(--ac-live); text-transform: uppercase; letter-spacing: .08em; }
      p { margin: 0; }
    `,
  ];

  override render() {
    const today = this.station?.station?.today;
    if (!today) return nothing;
    const now = Date.now();
    return html`
      <section class="panel" aria-labelledby="schedule-heading">
        <h2 id="schedule-heading">Today</h2>
        ${today.length === 0
          ? html`<p class="muted">No shows are scheduled for today.</p>`
          : html`<ol>
              ${today.map((s) => {
                const start = Date.parse(s.startAt);
                const end = Date.parse(s.endAt);
                const when = start <= now && now < end ? 'now' : end <= now ? 'past' : '';
                return html`<li class=${when}>
                  <time datetime=${s.startAt}>${clockTime(s.startAt)}–${clockTime(s.endAt)}</time>
                  <span class="name">${showLine(s.show, s.dj)}${when === 'now' ? html`<span class="badge">Now</span>` : nothing}</span>
                </li>`;
              })}
            </ol>`}
      </section>
    `;
  }
}
customElements.define('station-schedule', StationSchedule);
