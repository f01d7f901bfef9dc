// The sticky header, always in view (phone included): the show's state in its own colour (ON AIR,
// PREVIEW, CONNECTING, RECONNECTING, OFF AIR, ENDED…), the show timer, listeners now, End show
// (with a confirmation dialog), the DJ and Sign out, and the studio's message with a Dismiss button.
// Mirrors the state into the tab title. Given the Studio; the timer's tick lives in TickController.
import { css, html, nothing } from 'lit';
import { StudioElement } from './studio-element.ts';
import { TickController } from './tick-controller.ts';
import { AIR_LOOKS, formatShowTime, tabTitle, type AirState } from './air-state.ts';
import { panelStyles } from './styles.ts';

const TIMED: ReadonlySet<AirState> = new Set(['connecting', 'preview', 'going-live', 'on-air', 'reconnecting', 'ending']);

export class StudioHeader extends StudioElement {
  static override styles = [panelStyles, css`
    :host { display: block; }
    .bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 8px 12px; background: #17191e;
      border-bottom: 4px solid var(--state-colour, #2a2d35); box-shadow: 0 2px 8px #0008; }
    h1 { font-size: 16px; margin: 0; white-space: nowrap; }
    .state { display: flex; align-items: center; gap: 8px; min-width: 0; flex: 1 1 200px; margin: 0; }
    .pill { padding: 4px 12px; border-radius: 6px; font-weight: 800; letter-spacing: .1em; white-space: nowrap;
      background: var(--state-colour, #2a2d35); color: var(--state-text, #9aa0ad); }
    .detail { font-size: 13px; color: #c4c8d2; min-width: 0; flex: 1 1 160px; overflow-wrap: break-word; }
    .figures { display: flex; gap: 12px; font: 600 15px/1.2 ui-monospace, monospace; white-space: nowrap; }
    .actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
    .who { font-size: 13px; color: #9aa0ad; overflow-wrap: anywhere; }
    button.end { background: #7f1d1d; border-color: #b42318; font-weight: 700; }
    .message { flex-basis: 100%; display: flex; gap: 8px; align-items: center; justify-content: space-between; margin: 0;
      padding: 6px 10px; border-radius: 6px; background: #3a2a12; color: #ffd9a8; overflow-wrap: anywhere; }
    .message button { padding: 2px 10px; }
    /* Each state its own colour: reconnecting is striped amber and pulses, never the grey of off air. */
    .s-on-air { --state-colour: #e5484d; --state-text: #fff; }
    .s-on-air .pill { box-shadow: 0 0 14px #e5484d99; }
    .s-preview { --state-colour: #3b6fd1; --state-text: #fff; }
    .s-connecting, .s-going-live { --state-colour: #d9822b; --state-text: #111; }
    .s-reconnecting { --state-colour: #f5a524; --state-text: #111; }
    .s-reconnecting .pill { background-image: repeating-linear-gradient(135deg, transparent 0 10px, #ffffff55 10px 20px); animation: pulse 1s ease-in-out infinite alternate; }
    .s-ending { --state-colour: #8e4ec6; --state-text: #fff; }
    .s-ended { --state-colour: #2f855a; --state-text: #fff; }
    .s-failed { --state-colour: #b42318; --state-text: #fff; }
    .s-off-air, .s-signed-out { --state-colour: #2a2d35; --state-text: #9aa0ad; }
    @keyframes pulse { from { opacity: 1; } to { opacity: .65; } }
    @media (prefers-reduced-motion: reduce) { .s-reconnecting .pill { animation: none; } }
    dialog { background: #1d1f24; color: #e8e8ea; border: 1px solid #4a4f5c; border-radius: 8px; max-width: min(420px, calc(100vw - 32px)); }
    dialog::backdrop { background: #000a; }
    dialog h2 { font-size: 16px; text-transform: none; letter-spacing: 0; color: #e8e8ea; }
    dialog .row { justify-content: flex-end; margin-top: 12px; }
    @media (max-width: 560px) {
      /* On a phone the state comes first: the title stays for screen readers only. */
      h1 { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
      .detail { font-size: 12px; }
      .bar { padding: 6px 8px; }
    }`];

  #tick = new TickController(this, () => TIMED.has(this.studio?.airState ?? 'off-air'));

  override render() {
    const s = this.studio;
    if (!s) return nothing;
    void this.#tick;
    const state = s.airState;
    const look = AIR_LOOKS[state];
    const elapsedMs = s.showElapsedMs;
    const listeners = s.listenerCount;
    const monitorOnShow = s.monitor.status !== 'stopped' && s.monitor.status !== 'failed'
      && s.monitor.source !== null && s.uplinkState.mounts.includes(s.monitor.source.mount);
    const canEnd = s.user !== null && s.pending === null && ['connecting', 'preview', 'going-live', 'on-air', 'reconnecting'].includes(state) && s.phase !== 'off';
    return html`<div class="bar s-${state}" data-state=${state}>
        <h1>Aircheck studio</h1>
        <p class="state" role="status" aria-live="polite" aria-label="On-air state">
          <span class="pill">${look.label}</span><span class="detail">${look.detail}</span></p>
        ${look.timer && elapsedMs !== null || listeners !== null ? html`<div class="figures">
          ${look.timer && elapsedMs !== null ? html`<span role="timer" aria-label="Show time">${formatShowTime(elapsedMs)}</span>` : nothing}
          ${listeners !== null ? html`<span aria-label="Listeners now">${listeners} ${listeners === 1 ? 'listener' : 'listeners'}${monitorOnShow && listeners > 0 ? ' (incl. your monitor)' : ''}</span>` : nothing}
        </div>` : nothing}
        ${s.user ? html`<div class="actions">
          <button class="end" ?disabled=${!canEnd} @click=${this.#askEnd}>End show</button>
          <span class="who">${s.user.name}</span>
          <button @click=${() => void s.signOut()}>Sign out</button>
        </div>` : nothing}
        ${s.message ? html`<p class="message" role="alert"><span>${s.message}</span>
          <button aria-label="Dismiss message" @click=${() => s.dismissMessage()}>Dismiss</button></p>` : nothing}
      </div>
      <dialog aria-labelledby="end-h" aria-describedby="end-d" @close=${() => this.requestUpdate()}>
        <h2 id="end-h">End the show?</h2>
        <p id="end-d">${state === 'on-air' ? 'Listeners of /live go to the fallback loop. ' : ''}The recording is finished and stored; you cannot continue this show afterwards.</p>
        <div class="row">
          <button autofocus @click=${this.#keep}>Keep broadcasting</button>
          <button class="end" @click=${this.#confirmEnd}>End the show</button>
        </div>
      </dialog>`;
  }

  protected override updated(): void {
    const s = this.studio;
    if (s) document.title = tabTitle(s.airState, s.showElapsedMs);
  }

  get #dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  #askEnd = () => {
    this.#dialog?.showModal();
  };

  #keep = () => {
    this.#dialog?.close();
  };

  #confirmEnd = () => {
    this.#dialog?.close();
    void this.studio?.endShow();
  };
}
customElements.define('studio-header', StudioHeader);
