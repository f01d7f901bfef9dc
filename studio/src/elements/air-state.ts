// What the studio's sticky header shows (pure): the show's state from the sign-in and the uplink, its
// label and colour, the show timer's text and the tab title. Fed by the Studio's getters; feeds
// <studio-header>. Reconnecting never looks like off air: each state has its own colour.
import type { StateTarget } from '../../../shared/src/protocol/messages.ts';
import type { UplinkStatus } from '../uplink/uplink-client.ts';

export type AirState =
  | 'signed-out' | 'off-air' | 'connecting' | 'preview' | 'going-live' | 'on-air' | 'reconnecting' | 'ending' | 'ended' | 'failed';

export interface AirStateInput {
  signedIn: boolean;
  /** The uplink's status, or null when there is none (never connected). */
  uplinkStatus: UplinkStatus | null;
  /** The bridge's last `state` (PROTOCOL.md §4.7). */
  target: StateTarget;
  onAir: boolean;
  /** Connect pressed; the uplink is being created. */
  connecting: boolean;
}

export function airState(i: AirStateInput): AirState {
  if (!i.signedIn) return 'signed-out';
  switch (i.uplinkStatus) {
    case null:
    case 'idle':
      return i.connecting ? 'connecting' : 'off-air';
    case 'connecting': return 'connecting';
    case 'reconnecting': return 'reconnecting';
    case 'ending': return 'ending';
    case 'ended': return 'ended';
    case 'failed': return 'failed';
    case 'connected':
      if (i.target === 'live') return i.onAir ? 'on-air' : 'going-live';
      if (i.target === 'test') return 'preview';
      return 'connecting';
  }
}

export interface AirLook {
  /** The big label; 'ON AIR' appears only in the on-air state. */
  label: string;
  /** One line under it, saying what it means for the DJ. */
  detail: string;
  /** Short form for the tab title. */
  title: string;
  /** Whether the show timer runs (or, ended, shows the show's length). */
  timer: boolean;
}

export const AIR_LOOKS: Readonly<Record<AirState, AirLook>> = {
  'signed-out': { label: 'SIGNED OUT', detail: 'Sign in to broadcast', title: 'Signed out', timer: false },
  'off-air': { label: 'OFF AIR', detail: 'Not connected: press Connect to preview on /test', title: 'Off air', timer: false },
  connecting: { label: 'CONNECTING', detail: 'Connecting to the bridge…', title: 'Connecting', timer: true },
  preview: { label: 'PREVIEW', detail: 'On /test (private preview)', title: 'Preview', timer: true },
  'going-live': { label: 'GOING LIVE', detail: 'Waiting for /live to take your show…', title: 'Going live', timer: true },
  'on-air': { label: 'ON AIR', detail: 'Listeners of /live hear you', title: '● ON AIR', timer: true },
  reconnecting: { label: 'RECONNECTING', detail: 'Connection lost — reconnecting; your audio is kept and resent', title: '⚠ RECONNECTING', timer: true },
  ending: { label: 'ENDING', detail: 'Ending the show: sending the last audio…', title: 'Ending', timer: true },
  ended: { label: 'ENDED', detail: 'The show is over; its recording is being finalized', title: 'Ended', timer: true },
  failed: { label: 'DISCONNECTED', detail: 'The bridge closed the connection: see the message below', title: '⚠ Disconnected', timer: false },
};

/** `m:ss`, or `h:mm:ss` from an hour. */
export function formatShowTime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** The tab title, e.g. "● ON AIR 12:34 — Aircheck Studio". */
export function tabTitle(state: AirState, elapsedMs: number | null): string {
  const look = AIR_LOOKS[state];
  if (state === 'signed-out' || state === 'off-air') return 'Aircheck Studio';
  const time = look.timer && elapsedMs !== null ? ` ${formatShowTime(elapsedMs)}` : '';
  return `${look.title}${time} — Aircheck Studio`;
}
