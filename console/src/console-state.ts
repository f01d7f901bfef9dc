// The console's composition root: the API client, who is signed in, the current route (from the
// hash), the pushed live state (LiveEvents) and the station's name. Elements render it and call its
// methods; it tells subscribers when anything changed.
import { ApiClient, describeError } from './api/api-client.ts';
import type { LiveMount, Role, SessionUser, StationSettingsView } from './api/api-types.ts';
import { LiveEvents, type EventsState } from './live-events.ts';
import { parseRoute, type Route } from './router.ts';

const RANK: Record<Role, number> = { dj: 0, operator: 1, admin: 2 };

export class ConsoleState {
  readonly api = new ApiClient();
  user: SessionUser | null = null;
  /** True until the first GET /me answered. */
  checking = true;
  signInError: { code: string; message: string } | null = null;
  busy = false;
  route: Route = parseRoute(location.hash);
  stationName = '';
  /** Newest mounts from the `live` event (null before the first). */
  liveMounts: LiveMount[] | null = null;
  eventsState: EventsState = 'connecting';
  /** Bumped on every `recordings` event: pages that list recordings reload. */
  recordingsVersion = 0;
  #listeners = new Set<() => void>();
  #events = new LiveEvents({
    onLive: (mounts) => {
      this.liveMounts = mounts;
      this.#changed();
    },
    onRecordings: () => {
      this.recordingsVersion++;
      this.#changed();
    },
    onState: (state) => {
      this.eventsState = state;
      this.#changed();
    },
  });

  constructor() {
    this.api.onSignedOut = () => this.#signedOut();
    addEventListener('hashchange', () => {
      this.route = parseRoute(location.hash);
      this.#changed();
    });
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** At least this role (admin ⊇ operator ⊇ dj). */
  can(role: Role): boolean {
    return this.user !== null && RANK[this.user.role] >= RANK[role];
  }

  /** Picks up an existing session (a reload) or shows the sign-in. */
  async restore(): Promise<void> {
    try {
      const me = await this.api.me();
      if (me) await this.#signedIn(me.user);
    } catch (err) {
      this.signInError = describeError(err);
    } finally {
      this.checking = false;
      this.#changed();
    }
  }

  async signIn(name: string, password: string): Promise<void> {
    this.busy = true;
    this.signInError = null;
    this.#changed();
    try {
      await this.api.signIn(name, password);
      // The CSRF token of the new session (also in the sign-in answer; /me is the documented source).
      const me = await this.api.me();
      if (!me) throw new Error('signed in, but GET /api/v1/me does not know the session');
      await this.#signedIn(me.user);
    } catch (err) {
      this.signInError = describeError(err);
    } finally {
      this.busy = false;
      this.#changed();
    }
  }

  async signOut(): Promise<void> {
    try {
      await this.api.signOut();
    } finally {
      this.#signedOut();
    }
  }

  /** The station's name changed on the Station page. */
  setStationName(name: string): void {
    this.stationName = name;
    this.#changed();
  }

  async #signedIn(user: SessionUser): Promise<void> {
    this.user = user;
    this.#events.open();
    if (this.can('operator')) {
      try {
        const station = await this.api.get<StationSettingsView>('/station');
        this.stationName = station.name ?? '';
      } catch {
        this.stationName = ''; // the header falls back to "Aircheck"; the Station page shows the error
      }
    }
  }

  #signedOut(): void {
    this.user = null;
    this.liveMounts = null;
    this.#events.close();
    this.#changed();
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }
}
