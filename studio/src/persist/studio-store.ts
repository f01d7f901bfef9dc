// What the studio keeps in localStorage so that a reload, a crashed tab or a reopened browser resumes
// the DJ's show (PROTOCOL.md §7.6): the sign-in token, the show (session id, target, bitrate, and
// where its frame numbering stands at a wall-clock time) and the mixer settings. Fed by the Studio
// (composition root); read back by Studio.restore(). Pure: the Storage is given (a Map in tests).

import type { StateTarget } from '../../../shared/src/protocol/messages.ts';
import type { ChannelSettings, InputMode, MasterSettings } from '../audio/mixer-model.ts';

export const TOKEN_KEY = 'aircheck.studio.session';
export const SHOW_KEY = 'aircheck.studio.show';
export const MIXER_KEY = 'aircheck.studio.mixer';

/** The part of the Web Storage API used (localStorage; a fake in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SavedLogin {
  name: string;
  token: string;
}

export interface SavedShow {
  sessionId: string;
  /** Where the DJ was: the bridge puts the push back there on resume; 'none' while connecting. */
  target: StateTarget;
  bitrateKbps: number;
  /** The next seq the studio would have numbered at savedAtMs (frames encoded so far). */
  nextSeq: number;
  /** Wall clock (Date.now()) when nextSeq was read. */
  savedAtMs: number;
  /** One frame's length (20 ms). */
  frameDurationMs: number;
}

export interface SavedChannel {
  kind: 'input' | 'carts';
  label: string;
  deviceId: string;
  mode: InputMode;
  gainDb: number;
  muted: boolean;
  cue: boolean;
}

export interface SavedMixer {
  channels: SavedChannel[];
  master: MasterSettings;
}

function read<T>(store: KeyValueStore, key: string, valid: (v: unknown) => v is T): T | null {
  let raw: string | null;
  try {
    raw = store.getItem(key);
  } catch {
    return null; // storage disabled: nothing to restore
  }
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (valid(value)) return value;
  } catch {
    // not JSON: written by something else; dropped below
  }
  store.removeItem(key);
  return null;
}

function write(store: KeyValueStore, key: string, value: unknown): void {
  try {
    store.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: the show goes on, only a reload cannot resume it
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class StudioStore {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  login(): SavedLogin | null {
    return read(this.#store, TOKEN_KEY, (v): v is SavedLogin => isObj(v) && typeof v.name === 'string' && typeof v.token === 'string');
  }

  saveLogin(login: SavedLogin): void {
    write(this.#store, TOKEN_KEY, login);
  }

  clearLogin(): void {
    this.#store.removeItem(TOKEN_KEY);
  }

  show(): SavedShow | null {
    return read(this.#store, SHOW_KEY, (v): v is SavedShow => isObj(v) && typeof v.sessionId === 'string'
      && ['none', 'test', 'live'].includes(v.target as string) && isNum(v.bitrateKbps) && isNum(v.nextSeq) && v.nextSeq >= 0
      && isNum(v.savedAtMs) && isNum(v.frameDurationMs) && v.frameDurationMs > 0);
  }

  saveShow(show: SavedShow): void {
    write(this.#store, SHOW_KEY, show);
  }

  clearShow(): void {
    this.#store.removeItem(SHOW_KEY);
  }

  mixer(): SavedMixer | null {
    return read(this.#store, MIXER_KEY, (v): v is SavedMixer => isObj(v) && Array.isArray(v.channels) && isObj(v.master)
      && v.channels.every((c: unknown) => isObj(c) && (c.kind === 'input' || c.kind === 'carts') && typeof c.deviceId === 'string'
        && (c.mode === 'voice' || c.mode === 'music') && isNum(c.gainDb) && typeof c.muted === 'boolean' && typeof c.cue === 'boolean'));
  }

  saveMixer(channels: readonly ChannelSettings[], master: MasterSettings): void {
    write(this.#store, MIXER_KEY, {
      channels: channels.map((c) => ({ kind: c.kind, label: c.label, deviceId: c.deviceId, mode: c.mode, gainDb: c.gainDb, muted: c.muted, cue: c.cue })),
      master,
    } satisfies SavedMixer);
  }
}

/**
 * §7.6: where a resumed show's numbering continues. The saved seq plus every frame's worth of wall
 * time since it was saved: the frames the old tab encoded after saving (sent or not) and the time the
 * tab was away all lie below it, so the bridge sees a jump of exactly the audio that is missing.
 */
export function seqAfterAbsence(show: SavedShow, nowMs: number): number {
  const awayMs = Math.max(0, nowMs - show.savedAtMs);
  return show.nextSeq + Math.ceil(awayMs / show.frameDurationMs);
}
