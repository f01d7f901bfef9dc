// The bridge's pushed updates (server-sent events on /api/v1/events): `live` carries every mount's
// state on change, `recordings` the show ids whose status changed. EventSource reconnects by itself;
// this keeps the newest mounts and tells its listener. Created and closed by ConsoleState.
import { API_BASE } from './api/api-client.ts';
import type { LiveMount } from './api/api-types.ts';

export type EventsState = 'connecting' | 'open' | 'reconnecting';

export interface LiveEventsListener {
  onLive(mounts: LiveMount[]): void;
  onRecordings(changed: string[]): void;
  onState(state: EventsState): void;
}

export class LiveEvents {
  #source: EventSource | null = null;
  #listener: LiveEventsListener;

  constructor(listener: LiveEventsListener) {
    this.#listener = listener;
  }

  open(): void {
    if (this.#source) return;
    const source = new EventSource(`${API_BASE}/events`, { withCredentials: true });
    this.#source = source;
    this.#listener.onState('connecting');
    source.addEventListener('open', () => this.#listener.onState('open'));
    source.addEventListener('error', () => this.#listener.onState('reconnecting'));
    source.addEventListener('live', (e) => {
      const mounts = parse(e as MessageEvent<string>);
      if (Array.isArray(mounts)) this.#listener.onLive(mounts as LiveMount[]);
      else if (mounts && Array.isArray((mounts as { mounts?: unknown }).mounts)) this.#listener.onLive((mounts as { mounts: LiveMount[] }).mounts);
    });
    source.addEventListener('recordings', (e) => {
      const data = parse(e as MessageEvent<string>) as { changed?: unknown } | null;
      this.#listener.onRecordings(Array.isArray(data?.changed) ? data.changed.map(String) : []);
    });
  }

  close(): void {
    this.#source?.close();
    this.#source = null;
  }
}

/** An event's JSON data, or null when it is not JSON (a broken event is skipped, not fatal). */
function parse(e: MessageEvent<string>): unknown {
  try {
    return JSON.parse(e.data);
  } catch {
    return null;
  }
}
