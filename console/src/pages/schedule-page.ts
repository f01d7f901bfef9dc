// Schedule: the week (Monday to Sunday, in the viewer's time zone) with every slot the bridge
// expands from the schedule (recurring shows in their own zone, DST included; one-off shows), each
// with its state — missed slots (past, no verified recording) in red — and conflicts flagged; below,
// the shows themselves with create / edit / delete (operators; shows from the TOML file are read-only).
import { css, html, nothing } from 'lit';
import { ConsoleElement } from '../elements/console-element.ts';
import { ApiAction, ApiResource } from '../elements/api-resource.ts';
import { consoleStyles } from '../elements/styles.ts';
import { seg } from '../api/api-client.ts';
import type { ScheduledShow, ScheduledShowInput, ScheduleSlot, UserView, Weekday } from '../api/api-types.ts';
import { formatDateTime, formatTime } from '../format.ts';
import { routeHref } from '../router.ts';
import { addWeeks, localDateKey, slotsByDay, weekDays, weekFromParam } from '../week-view.ts';
import '../elements/console-error.ts';

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const VIEWER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const STATE_TEXT: Record<ScheduleSlot['state'], string> = { upcoming: 'upcoming', 'on-air': 'on air', recorded: 'recorded', missed: 'missed: no verified recording' };

/** The `at` of a one-off show from a datetime-local value (viewer's zone) → ISO with offset (UTC). */
const atFromLocal = (value: string): string => new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** ISO → the datetime-local value in the viewer's zone. */
const localFromAt = (iso: string | undefined): string => {
  if (!iso) return '';
  const d = new Date(iso);
  return `${localDateKey(d)}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};

export class SchedulePage extends ConsoleElement {
  static override styles = [...consoleStyles, css`
    .week { display: grid; grid-template-columns: repeat(7, minmax(0, 1fr)); gap: 6px; }
    .day { background: var(--ac-panel); border: 1px solid var(--ac-border); border-radius: var(--ac-radius); padding: 6px; min-height: 80px; min-width: 0; }
    .day.today { border-color: var(--ac-accent); }
    .day h3 { font-size: 13px; margin: 0 0 6px; }
    .slot { border-left: 4px solid var(--ac-border-strong); background: var(--ac-panel-raised); border-radius: 4px; padding: 4px 6px; margin-bottom: 6px; overflow-wrap: anywhere; }
    .slot.recorded { border-left-color: var(--ac-ok); }
    .slot.on-air { border-left-color: var(--ac-live); }
    .slot.missed { border-left-color: var(--ac-bad); background: rgba(229, 72, 77, .25); }
    .slot.missed .state { color: #ffb4b6; font-weight: 700; }
    .slot .conflict, .conflict { color: var(--ac-warn); }
    @media (max-width: 900px) { .week { grid-template-columns: minmax(0, 1fr); } .day { min-height: 0; } }
    fieldset { border: 1px solid var(--ac-border); border-radius: var(--ac-radius-small); }
    form.stack fieldset label { display: inline-flex; gap: 4px; margin-right: 10px; }`];

  #week = weekFromParam(undefined);
  #weekParam: string | undefined = '\0';
  #editing: ScheduledShow | 'new' | null = null;
  #kind: 'weekly' | 'one-off' = 'weekly';
  #shows = new ApiResource<ScheduledShow[]>(this, () => this.app!.api.get<ScheduledShow[]>('/schedule'));
  #slots = new ApiResource<ScheduleSlot[]>(this, () => {
    const days = weekDays(this.#week);
    return this.app!.api.get<ScheduleSlot[]>('/schedule/slots', { from: days[0]!.toISOString(), to: days[7]!.toISOString() });
  }, { auto: false });
  /** Account names for the DJ field's suggestions (operators may list DJs; loaded when the form opens). */
  #users = new ApiResource<UserView[]>(this, () => this.app!.api.get<UserView[]>('/users'), { auto: false });
  #save = new ApiAction(this);
  #remove = new ApiAction(this);

  override willUpdate(): void {
    const param = this.app?.route.params.week;
    if (param !== this.#weekParam) {
      this.#weekParam = param;
      this.#week = weekFromParam(param);
      void this.#slots.reload();
    }
  }

  override render() {
    const days = weekDays(this.#week);
    const byDay = slotsByDay(this.#slots.value ?? [], this.#week);
    const shows = this.#shows.value ?? [];
    const conflictsOf = (name: string) => {
      const show = shows.find((s) => s.name === name);
      return (show?.conflicts ?? []).map((id) => shows.find((s) => s.id === id)?.name ?? id);
    };
    const todayKey = localDateKey(new Date());
    const weekHref = (d: Date) => routeHref({ page: 'schedule', params: { week: localDateKey(d) } });
    const operator = this.app?.can('operator') ?? false;
    return html`<h1>Schedule</h1>
      <div class="row" role="group" aria-label="Week">
        <a class="button" href=${weekHref(addWeeks(this.#week, -1))}>Previous week</a>
        <a class="button" href=${weekHref(new Date())}>This week</a>
        <a class="button" href=${weekHref(addWeeks(this.#week, 1))}>Next week</a>
        <span>Week of ${formatDateTime(days[0]!.toISOString()).replace(/, \d\d:\d\d$/, '')}</span>
        <span class="muted">Times in ${VIEWER_ZONE}</span>
      </div>
      <console-error .error=${this.#slots.error}></console-error>
      <console-error .error=${this.#shows.error}></console-error>
      <div class="week" role="list" aria-label="Slots this week">
        ${byDay.map((slots, i) => html`<section class="day ${localDateKey(days[i]!) === todayKey ? 'today' : ''}" role="listitem" aria-label=${`${DAY_NAMES[i]} ${localDateKey(days[i]!)}`}>
          <h3>${DAY_NAMES[i]} <span class="muted">${days[i]!.getDate()}</span></h3>
          ${slots.length === 0 ? html`<p class="muted">—</p>` : slots.map((slot) => {
            const conflicts = conflictsOf(slot.show);
            return html`<div class="slot ${slot.state}" data-state=${slot.state} aria-label=${`${slot.show}, ${formatTime(slot.startAt)} to ${formatTime(slot.endAt)}, ${STATE_TEXT[slot.state]}${conflicts.length ? ', conflicts' : ''}`}>
              <strong>${slot.show}</strong>${slot.dj ? html` <span class="muted">${slot.dj}</span>` : nothing}<br>
              ${formatTime(slot.startAt)}–${formatTime(slot.endAt)}<br>
              <span class="state">${STATE_TEXT[slot.state]}</span>
              ${slot.showId ? html` <a href=${routeHref({ page: 'recording', id: slot.showId })}>recording</a>` : nothing}
              ${conflicts.length ? html`<br><span class="conflict" role="note">⚠ conflicts with ${conflicts.join(', ')}</span>` : nothing}
            </div>`;
          })}
        </section>`)}
      </div>
      <section aria-labelledby="shows-h" style="margin-top: 12px">
        <h2 id="shows-h">Shows</h2>
        ${operator && this.#editing === null ? html`<button @click=${() => this.#edit('new')}>New show</button>` : nothing}
        ${this.#editing !== null ? this.#form() : nothing}
        <console-error .error=${this.#remove.error}></console-error>
        <div class="table-wrap"><table>
          <thead><tr><th>Show</th><th>DJ</th><th>When</th><th>Length</th><th>From</th>${operator ? html`<th>Actions</th>` : nothing}</tr></thead>
          <tbody>${shows.map((s) => html`<tr>
            <td>${s.name}${(s.conflicts ?? []).length ? html`<br><span class="conflict" role="note">⚠ conflicts with ${conflictsOf(s.name).join(', ')}</span>` : nothing}</td>
            <td>${s.dj ?? '—'}</td>
            <td>${s.at ? formatDateTime(s.at) : `${(s.days ?? []).join(', ')} ${s.start ?? ''} (${s.timezone ?? 'UTC'})`}</td>
            <td>${s.duration_minutes} min</td>
            <td>${s.origin === 'config' ? 'config file' : 'console'}</td>
            ${operator ? html`<td>${s.origin === 'console'
              ? html`<div class="row"><button @click=${() => this.#edit(s)} aria-label=${`Edit ${s.name}`}>Edit</button>
                  <button class="danger" @click=${() => void this.#delete(s)} aria-label=${`Delete ${s.name}`}>Delete</button></div>`
              : html`<span class="muted">edit in the config file</span>`}</td>` : nothing}
          </tr>`)}</tbody>
        </table></div>
      </section>`;
  }

  #form() {
    const s = this.#editing === 'new' ? null : this.#editing;
    const weekly = this.#kind === 'weekly';
    return html`<form class="stack" aria-label=${s ? `Edit ${s.name}` : 'New show'} @submit=${(e: Event) => void this.#submit(e)}>
      <label>Show name <input name="name" required maxlength="128" .value=${s?.name ?? ''}></label>
      <label>DJ (an account; empty for none) <input name="dj" maxlength="64" list="dj-names" autocomplete="off" .value=${s?.dj ?? ''}></label>
      <datalist id="dj-names">${(this.#users.value ?? []).map((u) => html`<option value=${u.name}></option>`)}</datalist>
      <fieldset><legend>Kind</legend>
        <label><input type="radio" name="kind" value="weekly" .checked=${weekly} @change=${() => this.#setKind('weekly')}> Weekly</label>
        <label><input type="radio" name="kind" value="one-off" .checked=${!weekly} @change=${() => this.#setKind('one-off')}> One-off</label>
      </fieldset>
      ${weekly ? html`<fieldset><legend>Days</legend>
          ${WEEKDAYS.map((d, i) => html`<label><input type="checkbox" name="days" value=${d} .checked=${s?.days?.includes(d) ?? false}> ${DAY_NAMES[i]}</label>`)}
        </fieldset>
        <label>Start (local time in the zone below) <input name="start" type="time" required .value=${s?.start ?? ''}></label>
        <label>Time zone <input name="timezone" list="zones" required .value=${s?.timezone ?? VIEWER_ZONE}></label>
        <datalist id="zones">${supportedZones().map((z) => html`<option value=${z}></option>`)}</datalist>`
        : html`<label>Starts at (${VIEWER_ZONE}) <input name="at" type="datetime-local" required .value=${localFromAt(s?.at)}></label>`}
      <label>Length in minutes <input name="duration" type="number" min="1" max="1440" required .value=${String(s?.duration_minutes ?? 60)}></label>
      <div class="row">
        <button class="primary" type="submit" ?disabled=${this.#save.busy}>${s ? 'Save show' : 'Create show'}</button>
        <button type="button" @click=${() => this.#edit(null)}>Cancel</button>
      </div>
      <console-error .error=${this.#save.error}></console-error>
    </form>`;
  }

  #edit(show: ScheduledShow | 'new' | null): void {
    if (show !== null && this.#users.value === undefined) void this.#users.reload();
    this.#editing = show;
    this.#kind = show && show !== 'new' && show.at ? 'one-off' : 'weekly';
    this.#save.clear();
  }

  #setKind(kind: 'weekly' | 'one-off'): void {
    this.#kind = kind;
    this.requestUpdate();
  }

  async #submit(e: Event): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const dj = String(data.get('dj') ?? '').trim();
    const input: ScheduledShowInput = {
      name: String(data.get('name') ?? '').trim(),
      dj: dj === '' ? null : dj,
      duration_minutes: Number(data.get('duration')),
      ...(this.#kind === 'weekly'
        ? { days: data.getAll('days').map(String) as Weekday[], start: String(data.get('start') ?? ''), timezone: String(data.get('timezone') ?? '') }
        : { at: atFromLocal(String(data.get('at') ?? '')) }),
    };
    const editing = this.#editing;
    const ok = await this.#save.run(async () => {
      if (editing && editing !== 'new') await this.app!.api.patch(`/schedule/${seg(editing.id)}`, input);
      else await this.app!.api.post('/schedule', input);
      return true;
    });
    if (ok) {
      this.#editing = null;
      void this.#shows.reload();
      void this.#slots.reload();
    }
  }

  async #delete(show: ScheduledShow): Promise<void> {
    if (!confirm(`Delete the show "${show.name}" from the schedule?`)) return;
    const ok = await this.#remove.run(async () => {
      await this.app!.api.delete(`/schedule/${seg(show.id)}`);
      return true;
    });
    if (ok) {
      void this.#shows.reload();
      void this.#slots.reload();
    }
  }
}
customElements.define('console-schedule-page', SchedulePage);

/** The IANA zones this browser knows (for the time zone field's suggestions). */
function supportedZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? ['UTC'];
}
