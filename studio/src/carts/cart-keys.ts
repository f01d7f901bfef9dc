// The cart wall's keyboard (pure): keys 1–9 fire the first nine carts, holding T is talkover, never
// while the DJ types in a field or holds a modifier. Fed key events by the Studio (studio.ts, one
// window listener); feeds it a decision. Also the countdown arithmetic the cart wall renders.

/** The key held for talkover (documented in studio/README.md and shown on the master section). */
export const TALKOVER_KEY = 't';

/** What the key event's element is, as far as typing goes (from event.composedPath()[0]). */
export interface KeyTarget {
  tagName?: string;
  /** For INPUT: its type attribute ("text", "range", "checkbox", …). */
  type?: string;
  isContentEditable?: boolean;
}

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  repeat?: boolean;
}

/** Inputs where a digit or a T is not text: pressing 1 on a fader or a checkbox still fires cart 1. */
const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'radio', 'range', 'submit', 'reset', 'color', 'file', 'image']);

/** True when the key goes into a text field (an input that takes text, a textarea, a select, contenteditable). */
export function isTyping(target: KeyTarget | null | undefined): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = (target.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !NON_TEXT_INPUTS.has((target.type ?? 'text').toLowerCase());
}

export type CartKeyAction =
  | { kind: 'fire'; index: number }
  | { kind: 'talkover'; on: boolean }
  | null;

/** What a keydown / keyup means for the cart wall; null: not ours (the browser keeps it). */
export function cartKeyAction(type: 'keydown' | 'keyup', event: KeyLike, target: KeyTarget | null | undefined): CartKeyAction {
  if (event.ctrlKey || event.altKey || event.metaKey) return null;
  const key = event.key.toLowerCase();
  if (key === TALKOVER_KEY) {
    // keyup always ends talkover (the DJ may have moved focus into a field while holding the key).
    if (type === 'keyup') return { kind: 'talkover', on: false };
    if (isTyping(target) || event.repeat) return null;
    return { kind: 'talkover', on: true };
  }
  if (type !== 'keydown' || event.repeat || isTyping(target)) return null;
  if (/^[1-9]$/.test(key)) return { kind: 'fire', index: Number(key) - 1 };
  return null;
}

/**
 * Seconds left of a cart playing since startedAtS (AudioContext time) at nowS: counts down to 0, or
 * for a looping cart, to the end of the current pass.
 */
export function remainingS(durationS: number, startedAtS: number, nowS: number, loop: boolean): number {
  if (!(durationS > 0)) return 0;
  const elapsed = Math.max(0, nowS - startedAtS);
  if (loop) return durationS - (elapsed % durationS);
  return Math.max(0, durationS - elapsed);
}

/** m:ss, rounded up while counting down (a cart with 0.2 s left shows 0:01, as broadcast clocks do). */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds - 1e-9));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
