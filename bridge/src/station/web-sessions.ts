// Console sign-in sessions (the `aircheck_session` cookie) with their CSRF tokens, in the station
// database. Only the SHA-256 of a session id is stored; the CSRF token is derived from the id, so
// neither is at rest. Fed by POST /api/v1/session; read by every console request (bridge/src/api/).
import { createHash, randomBytes } from 'node:crypto';
import { AircheckError } from '../../../shared/src/errors.ts';
import type { StationDb } from './station-db.ts';
import type { Role, UserOrigin, UserView } from './users.ts';

export const SESSION_LIFETIME_MS = 12 * 60 * 60_000;
/** Sessions one user may hold at once; the oldest goes first (bounded table). */
export const MAX_SESSIONS_PER_USER = 50;
const SESSION_ID_RE = /^[A-Za-z0-9_-]{43}$/;

export interface WebSession {
  user: UserView;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
  remote: string;
  userAgent: string;
}

interface SessionRow {
  created_at_ms: number;
  expires_at_ms: number;
  remote: string;
  user_agent: string;
  name: string;
  role: Role;
  disabled: number;
  created_at: string;
  last_login_at: string | null;
  origin: UserOrigin;
}

export function sessionIdHash(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/** The session's CSRF token: a one-way function of the session id (knowing it reveals nothing of the id). */
export function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update('aircheck csrf\0').update(sessionId).digest('base64url');
}

export class WebSessions {
  readonly #store: StationDb;
  readonly #lifetimeMs: number;
  readonly #now: () => number;

  constructor(db: StationDb, opts: { lifetimeMs?: number; now?: () => number } = {}) {
    this.#store = db;
    this.#lifetimeMs = opts.lifetimeMs ?? SESSION_LIFETIME_MS;
    this.#now = opts.now ?? Date.now;
  }

  /** A new session with a new random id every time (never one the client chose: no fixation). */
  create(user: UserView, remote: string, userAgent: string): { sessionId: string; session: WebSession } {
    const sessionId = randomBytes(32).toString('base64url');
    const now = this.#now();
    const db = this.#store.db;
    this.#store.transaction(() => {
      const account = db.prepare('SELECT disabled FROM users WHERE name = ?').get(user.name) as { disabled: number } | undefined;
      if (!account || account.disabled !== 0) {
        throw new AircheckError('USER_NOT_FOUND', `no enabled user "${user.name.slice(0, 80)}" to start a session for: it was removed or disabled`);
      }
      db.prepare('DELETE FROM web_sessions WHERE expires_at_ms <= ?').run(now);
      db.prepare('INSERT INTO web_sessions (id_hash, name, created_at_ms, expires_at_ms, remote, user_agent) VALUES (?, ?, ?, ?, ?, ?)')
        .run(sessionIdHash(sessionId), user.name, now, now + this.#lifetimeMs, remote.slice(0, 128), userAgent.slice(0, 512));
      db.prepare('DELETE FROM web_sessions WHERE name = ? AND id_hash NOT IN (SELECT id_hash FROM web_sessions WHERE name = ? ORDER BY created_at_ms DESC, rowid DESC LIMIT ?)')
        .run(user.name, user.name, MAX_SESSIONS_PER_USER);
    });
    return { sessionId, session: this.check(sessionId)! };
  }

  /** The session (with its user as it is now) when the id is known, unexpired and the user enabled; else null. */
  check(sessionId: string): WebSession | null {
    if (typeof sessionId !== 'string' || !SESSION_ID_RE.test(sessionId)) return null;
    const hash = sessionIdHash(sessionId);
    const row = this.#store.db.prepare(
      `SELECT s.created_at_ms, s.expires_at_ms, s.remote, s.user_agent, u.name, u.role, u.disabled, u.created_at, u.last_login_at, u.origin
       FROM web_sessions s JOIN users u ON u.name = s.name WHERE s.id_hash = ?`,
    ).get(hash) as SessionRow | undefined;
    if (!row) return null;
    if (row.expires_at_ms <= this.#now()) {
      this.#store.db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(hash);
      return null;
    }
    if (row.disabled !== 0) return null;
    return {
      user: { name: row.name, role: row.role, disabled: false, createdAt: row.created_at, lastLoginAt: row.last_login_at, origin: row.origin },
      csrfToken: csrfTokenOf(sessionId),
      createdAt: new Date(row.created_at_ms).toISOString(),
      expiresAt: new Date(row.expires_at_ms).toISOString(),
      remote: row.remote,
      userAgent: row.user_agent,
    };
  }

  revoke(sessionId: string): void {
    if (typeof sessionId !== 'string') return;
    this.#store.db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(sessionIdHash(sessionId));
  }

  revokeAllOf(name: string): void {
    this.#store.db.prepare('DELETE FROM web_sessions WHERE name = ?').run(name);
  }
}
