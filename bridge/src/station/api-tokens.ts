// API tokens for scripts (`Authorization: Bearer ack_…`): shown once at creation, only their SHA-256
// stored, each acting as its owner while the owner is enabled. Fed by POST /api/v1/tokens; read by
// every bearer-authenticated request (bridge/src/api/).
import { createHash, randomBytes } from 'node:crypto';
import { AircheckError } from '../../../shared/src/errors.ts';
import type { StationDb } from './station-db.ts';
import type { Role, UserOrigin, UserView } from './users.ts';

export const API_TOKEN_RE = /^ack_[A-Za-z0-9_-]{43}$/;
export const MAX_TOKENS_PER_USER = 50;
export const MAX_LABEL_CHARS = 100;
/** last_used_at is written at most this often per token (no write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiTokenView {
  id: string;
  /** The owner. */
  name: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface TokenRow {
  id: string;
  owner: string;
  label: string;
  created_at: string;
  last_used_at_ms: number | null;
}

export function apiTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function view(row: TokenRow): ApiTokenView {
  return { id: row.id, name: row.owner, label: row.label, createdAt: row.created_at, lastUsedAt: row.last_used_at_ms === null ? null : new Date(row.last_used_at_ms).toISOString() };
}

export class ApiTokens {
  readonly #store: StationDb;
  readonly #now: () => number;

  constructor(db: StationDb, opts: { now?: () => number } = {}) {
    this.#store = db;
    this.#now = opts.now ?? Date.now;
  }

  /** A new token for owner: the token is returned this once and never again. USER_NOT_FOUND, API_BAD_REQUEST. */
  create(owner: string, label: string): { token: string; view: ApiTokenView } {
    const clean = typeof label === 'string' ? label.trim() : '';
    if (clean.length < 1 || clean.length > MAX_LABEL_CHARS || /[\u0000-\u001f\u007f]/.test(clean)) {
      throw new AircheckError('API_BAD_REQUEST', `token label ${JSON.stringify(String(label).slice(0, 40))} is invalid: use 1–${MAX_LABEL_CHARS} characters without control characters, e.g. "backup script"`);
    }
    const token = `ack_${randomBytes(32).toString('base64url')}`;
    const id = randomBytes(9).toString('base64url');
    const db = this.#store.db;
    this.#store.transaction(() => {
      const user = db.prepare('SELECT name FROM users WHERE name = ?').get(owner) as { name: string } | undefined;
      if (!user) throw new AircheckError('USER_NOT_FOUND', `no user "${String(owner).slice(0, 80)}" to own the token`);
      const { n } = db.prepare('SELECT COUNT(*) AS n FROM api_tokens WHERE owner = ?').get(user.name) as { n: number };
      if (n >= MAX_TOKENS_PER_USER) {
        throw new AircheckError('API_BAD_REQUEST', `"${user.name}" already has ${n} API tokens, the most one user may have: revoke one first`);
      }
      db.prepare('INSERT INTO api_tokens (id, token_hash, owner, label, created_at, last_used_at_ms) VALUES (?, ?, ?, ?, ?, NULL)')
        .run(id, apiTokenHash(token), user.name, clean, new Date(this.#now()).toISOString());
    });
    const row = db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as unknown as TokenRow;
    return { token, view: view(row) };
  }

  /** The owner when the token is known and the owner enabled; else null. */
  check(token: string): UserView | null {
    if (typeof token !== 'string' || !API_TOKEN_RE.test(token)) return null;
    const row = this.#store.db.prepare(
      `SELECT t.id, t.last_used_at_ms, u.name, u.role, u.disabled, u.created_at, u.last_login_at, u.origin
       FROM api_tokens t JOIN users u ON u.name = t.owner WHERE t.token_hash = ?`,
    ).get(apiTokenHash(token)) as
      | { id: string; last_used_at_ms: number | null; name: string; role: Role; disabled: number; created_at: string; last_login_at: string | null; origin: UserOrigin }
      | undefined;
    if (!row || row.disabled !== 0) return null;
    const now = this.#now();
    if (row.last_used_at_ms === null || now - row.last_used_at_ms >= LAST_USED_RESOLUTION_MS) {
      this.#store.db.prepare('UPDATE api_tokens SET last_used_at_ms = ? WHERE id = ?').run(now, row.id);
    }
    return { name: row.name, role: row.role, disabled: false, createdAt: row.created_at, lastLoginAt: row.last_login_at, origin: row.origin };
  }

  /** Every token (or owner's), oldest first; never the token itself. */
  list(owner?: string): ApiTokenView[] {
    const rows = owner === undefined
      ? this.#store.db.prepare('SELECT * FROM api_tokens ORDER BY created_at, rowid').all()
      : this.#store.db.prepare('SELECT * FROM api_tokens WHERE owner = ? ORDER BY created_at, rowid').all(owner);
    return (rows as unknown as TokenRow[]).map(view);
  }

  /** Revokes a token (only owner's when owner is given): API_TOKEN_NOT_FOUND otherwise. */
  revoke(id: string, owner?: string): void {
    const result = owner === undefined
      ? this.#store.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id)
      : this.#store.db.prepare('DELETE FROM api_tokens WHERE id = ? AND owner = ?').run(id, owner);
    if (result.changes === 0) {
      throw new AircheckError('API_TOKEN_NOT_FOUND', `no API token with id ${JSON.stringify(String(id).slice(0, 40))}${owner === undefined ? '' : ` owned by "${owner}"`}: list the tokens to find its id`);
    }
  }
}
