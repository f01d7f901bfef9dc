// Server-sent events of REST API v1: /api/v1/events (signed in: `live` LiveMount[] and `recordings`
// {changed}) and /api/v1/public/events (`station`, the public station document). Change-driven: the
// state is looked at on a short clock while clients are connected and sent only when it changed, at
// most 4/s (live) and 2/s (station); a keepalive comment every 15 s. Bounded: at most maxClients
// streams (then 503), a client whose unsent bytes pile up past MAX_BUFFERED_BYTES is dropped.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AircheckError } from '../../../shared/src/errors.ts';

const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface EventSources {
  live: () => unknown;
  /** The public document for one base URL (stream links differ per Host). */
  station: (base: string) => unknown;
  /** Recordings under way with their status: a change (or one ending) is a `recordings` event. */
  recordings: () => { showId: string; status: string }[];
}

interface Client {
  res: ServerResponse;
  kind: 'private' | 'public';
  base: string;
}

export interface EventHubOptions {
  sources: EventSources;
  log: Pick<Logger, 'warn' | 'info'>;
  maxClients?: number;
  keepaliveMs?: number;
  liveIntervalMs?: number;
  stationIntervalMs?: number;
}

export class EventHub {
  readonly #opts: Required<Omit<EventHubOptions, 'sources' | 'log'>> & Pick<EventHubOptions, 'sources' | 'log'>;
  readonly #clients = new Set<Client>();
  #timers: NodeJS.Timeout[] = [];
  #lastLive = '';
  readonly #lastStation = new Map<string, string>();
  #lastRecordings = new Map<string, string>();
  #closed = false;

  constructor(opts: EventHubOptions) {
    this.#opts = { maxClients: 256, keepaliveMs: 15_000, liveIntervalMs: 250, stationIntervalMs: 500, ...opts };
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Starts an event stream on `res`; throws SERVER_OVERLOADED when maxClients streams are open. */
  attach(req: IncomingMessage, res: ServerResponse, kind: 'private' | 'public', base: string): void {
    if (this.#closed) throw new AircheckError('SERVER_SHUTTING_DOWN', 'the server is shutting down: reconnect to the restarted server');
    if (this.#clients.size >= this.#opts.maxClients) {
      throw new AircheckError('SERVER_OVERLOADED', `${this.#clients.size} event streams are open, the most this server keeps: retry in a minute`);
    }
    const client: Client = { res, kind, base };
    res.on('error', () => this.#drop(client));
    req.on('error', () => this.#drop(client));
    res.on('close', () => this.#drop(client));
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    this.#clients.add(client);
    // The state now, at once: a client does not wait for the first change.
    if (kind === 'private') this.#write(client, 'live', this.#opts.sources.live());
    else {
      const doc = JSON.stringify(this.#opts.sources.station(base));
      this.#write(client, 'station', doc);
      // What this client got is what the next change is measured from, if nothing is yet for its
      // base: a change before the first tick (the page's own player counted) must reach it.
      if (!this.#lastStation.has(base)) this.#lastStation.set(base, doc);
    }
    this.#startTimers();
  }

  #drop(client: Client): void {
    if (!this.#clients.delete(client)) return;
    if (!client.res.destroyed) client.res.destroy();
    if (this.#clients.size === 0) this.#stopTimers();
  }

  #write(client: Client, event: string | null, data: unknown): void {
    const res = client.res;
    if (res.destroyed || !res.writable) return this.#drop(client);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      this.#opts.log.warn({ kind: client.kind }, 'event stream client too slow; dropped');
      return this.#drop(client);
    }
    res.write(event === null ? ': keepalive\n\n' : `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }

  #startTimers(): void {
    if (this.#timers.length) return;
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.#timers.push(t);
    };
    this.#lastLive = JSON.stringify(this.#opts.sources.live());
    // What is being recorded when the first client came: a show ending from now on is a change.
    this.#lastRecordings = new Map(this.#opts.sources.recordings().map((r) => [r.showId, r.status]));
    every(this.#opts.liveIntervalMs, () => this.#tickLive());
    every(this.#opts.stationIntervalMs, () => this.#tickStation());
    every(1000, () => this.#tickRecordings());
    every(this.#opts.keepaliveMs, () => {
      for (const c of [...this.#clients]) this.#write(c, null, null);
    });
  }

  #stopTimers(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#lastStation.clear();
  }

  #tickLive(): void {
    const privates = [...this.#clients].filter((c) => c.kind === 'private');
    if (!privates.length) return;
    const now = JSON.stringify(this.#opts.sources.live());
    if (now === this.#lastLive) return;
    this.#lastLive = now;
    for (const c of privates) this.#write(c, 'live', now);
  }

  #tickStation(): void {
    const byBase = new Map<string, Client[]>();
    for (const c of this.#clients) if (c.kind === 'public') byBase.set(c.base, [...(byBase.get(c.base) ?? []), c]);
    for (const [base, clients] of byBase) {
      const now = JSON.stringify(this.#opts.sources.station(base));
      const before = this.#lastStation.get(base);
      this.#lastStation.set(base, now);
      if (before === now) continue;
      for (const c of clients) this.#write(c, 'station', now);
    }
  }

  #tickRecordings(): void {
    const now = new Map(this.#opts.sources.recordings().map((r) => [r.showId, r.status]));
    const changed = [...now].filter(([id, s]) => this.#lastRecordings.get(id) !== s).map(([id]) => id);
    for (const id of this.#lastRecordings.keys()) if (!now.has(id)) changed.push(id);
    this.#lastRecordings = now;
    if (!changed.length) return;
    for (const c of [...this.#clients]) if (c.kind === 'private') this.#write(c, 'recordings', { changed });
  }

  /** A recording changed outside the live view (deleted, re-verified): tell the console. */
  recordingChanged(showId: string): void {
    for (const c of [...this.#clients]) if (c.kind === 'private') this.#write(c, 'recordings', { changed: [showId] });
  }

  close(): void {
    this.#closed = true;
    for (const c of [...this.#clients]) this.#drop(c);
    this.#stopTimers();
  }
}
