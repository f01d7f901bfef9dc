// The off-air monitor: plays what listeners hear (/live, or the private /test while previewing) in
// the DJ's headphones through one media element it owns. One request per play: a source change
// (Go live) opens the new mount once; a failure is retried with backoff (1, 2, 4 s) and then stops
// with a message. It never re-requests on a render (issue 10: the old preview made ~25 requests/s).
// Fed by the Studio (which source, start/stop); feeds <studio-monitor>, which renders `media`.

export type MonitorStatus = 'stopped' | 'loading' | 'playing' | 'retrying' | 'failed';

export interface MonitorSource {
  /** Changing the key (a mount, or the same mount when the show goes on air) opens the stream again. */
  key: string;
  url: string;
  /** The mount, e.g. "/live" (for the UI). */
  mount: string;
  /** The media element's accessible name. */
  label: string;
}

/** The parts of HTMLAudioElement the monitor uses (a fake in unit tests). */
export interface MonitorMedia extends EventTarget {
  src: string;
  readonly paused: boolean;
  readonly currentTime: number;
  readonly error: { code: number; message: string } | null;
  play(): Promise<void>;
  pause(): void;
  load(): void;
  removeAttribute(name: string): void;
  setAttribute(name: string, value: string): void;
}

export interface AirMonitorOptions {
  media: MonitorMedia;
  onChange: () => void;
  /** Retries after a failure before the monitor stops (default 3: after 1, 2 and 4 s). */
  maxRetries?: number;
  firstRetryDelayMs?: number;
  /** Playing this long (media time) counts as a success: the next failure starts the backoff again. */
  healthyAfterS?: number;
  setTimeout?: (fn: () => void, delayMs: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** Makes each play's URL unique (a live stream cannot resume where it paused). */
  now?: () => number;
}

export class AirMonitor {
  readonly media: MonitorMedia;
  status: MonitorStatus = 'stopped';
  /** Why the monitor stopped or retries; '' when fine. */
  error = '';
  /** What it plays, or would play when started. */
  source: MonitorSource | null = null;
  /** Requests made since the page loaded (each play and each retry is one). */
  requests = 0;
  #opts: Required<Omit<AirMonitorOptions, 'media'>>;
  #wanted = false;
  #attempt = 0;
  /** Bumped on every open and stop: events and rejections of an older stream are ignored. */
  #generation = 0;
  #retryTimer: unknown = null;

  constructor(options: AirMonitorOptions) {
    this.media = options.media;
    this.#opts = {
      maxRetries: 3,
      firstRetryDelayMs: 1000,
      healthyAfterS: 10,
      setTimeout: (fn, delayMs) => setTimeout(fn, delayMs),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      now: () => Date.now(),
      ...options,
    };
    const gen = () => this.#generation;
    this.media.addEventListener('playing', () => this.#onPlaying());
    this.media.addEventListener('timeupdate', () => {
      if (this.#attempt > 0 && this.media.currentTime >= this.#opts.healthyAfterS) this.#attempt = 0;
    });
    for (const type of ['error', 'ended'] as const) {
      this.media.addEventListener(type, () => {
        const g = gen();
        const why = type === 'ended' ? 'the stream ended' : this.media.error?.message || `media error ${this.media.error?.code ?? ''}`.trim();
        this.#failed(g, why);
      });
    }
  }

  get playing(): boolean {
    return this.status === 'playing';
  }

  /** The DJ pressed Listen: one request now. */
  start(): void {
    this.#wanted = true;
    this.#attempt = 0;
    this.error = '';
    this.#open();
  }

  /** The DJ pressed Stop (or signed out): no request until start(). */
  stop(): void {
    this.#wanted = false;
    this.#unload();
    this.status = 'stopped';
    this.error = '';
    this.#opts.onChange();
  }

  /** What the monitor should play now; a new key while listening opens it once, the same key does nothing. */
  follow(source: MonitorSource | null): void {
    if (source?.key === this.source?.key) return;
    this.source = source;
    if (this.#wanted) {
      this.#attempt = 0;
      this.#open();
    } else {
      this.media.setAttribute('aria-label', source?.label ?? 'Air monitor');
      this.#opts.onChange();
    }
  }

  #open(): void {
    this.#unload();
    const source = this.source;
    if (!source) {
      this.status = 'stopped';
      this.#wanted = false;
      this.#opts.onChange();
      return;
    }
    const gen = this.#generation;
    const url = new URL(source.url, globalThis.location?.href ?? 'http://localhost/');
    url.searchParams.set('_', String(this.#opts.now()));
    this.media.setAttribute('aria-label', source.label);
    this.media.src = url.href;
    this.requests++;
    this.status = 'loading';
    this.#opts.onChange();
    this.media.play().catch((err: Error) => this.#failed(gen, err.message));
  }

  #onPlaying(): void {
    if (!this.#wanted) return;
    this.status = 'playing';
    this.error = '';
    this.#opts.onChange();
  }

  /** A failure of the current stream: retry with backoff, or stop with the reason. */
  #failed(gen: number, why: string): void {
    if (gen !== this.#generation || !this.#wanted) return;
    this.#unload();
    if (this.#attempt < this.#opts.maxRetries) {
      const delayMs = this.#opts.firstRetryDelayMs * 2 ** this.#attempt;
      this.#attempt++;
      this.status = 'retrying';
      this.error = `${why}; trying again in ${Math.round(delayMs / 1000)} s`;
      this.#retryTimer = this.#opts.setTimeout(() => {
        this.#retryTimer = null;
        if (this.#wanted) this.#open();
      }, delayMs);
    } else {
      this.#wanted = false;
      this.status = 'failed';
      this.error = `The monitor stopped: ${why}. Press Listen to try again.`;
    }
    this.#opts.onChange();
  }

  #unload(): void {
    this.#generation++;
    if (this.#retryTimer !== null) this.#opts.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.media.src) {
      this.media.pause();
      this.media.removeAttribute('src');
      this.media.load();
    }
  }
}
