// Keeps the public station document current: one GET /api/v1/public/station, then the server's
// pushes (`event: station` on /api/v1/public/events). When the event stream fails it falls back to
// polling the document every 10 s and tries the event stream again every minute. Feeds the Station.
import { parseStation, type PublicStation } from './station-document.ts';

export const STATION_URL = '/api/v1/public/station';
export const EVENTS_URL = '/api/v1/public/events';
export const POLL_INTERVAL_MS = 10_000;
export const EVENTS_RETRY_MS = 60_000;

/** The part of EventSource the feed uses (a fake in unit tests). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  onerror: ((event: Event) => void) | null;
  onopen: ((event: Event) => void) | null;
  close(): void;
}

export interface StationFeedDeps {
  fetchJson: (url: string) => Promise<unknown>;
  openEvents: (url: string) => EventSourceLike;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (timer: unknown) => void;
}

export type FeedMode = 'connecting' | 'pushed' | 'polling';

export class StationFeed {
  station: PublicStation | null = null;
  /** Why the document could not be loaded (shown until it loads), else null. */
  problem: string | null = null;
  mode: FeedMode = 'connecting';
  #deps: StationFeedDeps;
  #events: EventSourceLike | null = null;
  #pollTimer: unknown = null;
  #retryTimer: unknown = null;
  #listeners = new Set<() => void>();
  #stopped = false;

  constructor(deps: StationFeedDeps) {
    this.#deps = deps;
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  start(): void {
    this.#stopped = false;
    void this.#load();
    this.#openEvents();
  }

  stop(): void {
    this.#stopped = true;
    this.#events?.close();
    this.#events = null;
    this.#stopPolling();
    if (this.#retryTimer !== null) this.#deps.clearTimer(this.#retryTimer);
    this.#retryTimer = null;
  }

  #emit(): void {
    for (const fn of this.#listeners) fn();
  }

  #accept(json: unknown): void {
    try {
      this.station = parseStation(json);
      this.problem = null;
    } catch (err) {
      this.problem = `The station's details could not be read (${(err as Error).message}).`;
    }
    this.#emit();
  }

  async #load(): Promise<void> {
    try {
      this.#accept(await this.#deps.fetchJson(STATION_URL));
    } catch (err) {
      // Shown only while nothing was ever loaded; the next push or poll tries again.
      this.problem = `The station's details could not be loaded (${(err as Error).message}); trying again.`;
      this.#emit();
    }
  }

  #openEvents(): void {
    if (this.#stopped) return;
    const events = this.#deps.openEvents(EVENTS_URL);
    this.#events = events;
    events.addEventListener('station', (e) => {
      let json: unknown;
      try {
        json = JSON.parse(String(e.data));
      } catch {
        return; // a torn or foreign event: the next one (or the poll) brings the whole document again
      }
      this.#accept(json);
    });
    events.onopen = () => {
      this.mode = 'pushed';
      this.#stopPolling();
      // What changed while the stream was down arrives with the next event; load it now anyway.
      void this.#load();
      this.#emit();
    };
    events.onerror = () => {
      if (this.#events !== events) return;
      // EventSource retries by itself after a dropped connection; still, the page polls until it is
      // back, and a stream the server refused (CLOSED) is reopened after a minute.
      this.#startPolling();
      if (events.readyState === 2 /* CLOSED */) {
        events.close();
        this.#events = null;
        this.#retryTimer = this.#deps.setTimer(() => {
          this.#retryTimer = null;
          this.#openEvents();
        }, EVENTS_RETRY_MS);
      }
    };
  }

  #startPolling(): void {
    if (this.mode === 'polling' && this.#pollTimer !== null) return;
    this.mode = 'polling';
    this.#emit();
    const tick = () => {
      this.#pollTimer = this.#deps.setTimer(() => {
        if (this.#stopped || this.mode !== 'polling') return;
        void this.#load().then(tick);
      }, POLL_INTERVAL_MS);
    };
    void this.#load();
    tick();
  }

  #stopPolling(): void {
    if (this.#pollTimer !== null) this.#deps.clearTimer(this.#pollTimer);
    this.#pollTimer = null;
  }
}

/** The browser's fetch, EventSource and timers. */
export function browserFeedDeps(): StationFeedDeps {
  return {
    async fetchJson(url) {
      const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json();
    },
    openEvents: (url) => new EventSource(url),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  };
}
