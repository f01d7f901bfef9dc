// Who changed what, when and from where: one entry per change made through the console or the API
// (and by the system), newest first, bounded. Fed by every state-changing request (bridge/src/api/);
// read by GET /api/v1/audit.
import type { StationDb } from './station-db.ts';
import type { Role } from './users.ts';

/** Entries kept; older ones are deleted as new ones arrive. */
export const MAX_AUDIT_ENTRIES = 100_000;
export const MAX_AUDIT_LIST = 1000;
const MAX_DETAIL_CHARS = 8192;

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  role: Role | 'system';
  action: string;
  target: string;
  remote: string;
  detail: Record<string, unknown>;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  role: Role | 'system';
  action: string;
  target: string;
  remote: string;
  detail: string;
}

function entry(row: AuditRow): AuditEntry {
  let detail: Record<string, unknown>;
  try {
    detail = JSON.parse(row.detail) as Record<string, unknown>;
  } catch {
    detail = {}; // written by add() as JSON; a row edited by hand shows without its detail
  }
  return { id: row.id, at: row.at, actor: row.actor, role: row.role, action: row.action, target: row.target, remote: row.remote, detail };
}

export class AuditLog {
  readonly #store: StationDb;
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(db: StationDb, opts: { now?: () => number; maxEntries?: number } = {}) {
    this.#store = db;
    this.#now = opts.now ?? Date.now;
    this.#maxEntries = opts.maxEntries ?? MAX_AUDIT_ENTRIES;
  }

  /** Records a change. Never pass a password, session id, CSRF token or API token in detail. */
  add(e: Omit<AuditEntry, 'id' | 'at'>): AuditEntry {
    let detail = JSON.stringify(e.detail ?? {});
    if (detail.length > MAX_DETAIL_CHARS) detail = JSON.stringify({ truncated: true, chars: detail.length });
    const at = new Date(this.#now()).toISOString();
    const db = this.#store.db;
    const id = this.#store.transaction(() => {
      const result = db.prepare('INSERT INTO audit_log (at, actor, role, action, target, remote, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(at, e.actor.slice(0, 64), e.role, e.action.slice(0, 64), e.target.slice(0, 256), e.remote.slice(0, 128), detail);
      const newId = Number(result.lastInsertRowid);
      db.prepare('DELETE FROM audit_log WHERE id <= ?').run(newId - this.#maxEntries);
      return newId;
    });
    return entry(db.prepare('SELECT * FROM audit_log WHERE id = ?').get(id) as unknown as AuditRow);
  }

  /** Newest first: at most limit (1–1000) entries, older than beforeId when given (paging). */
  list(opts: { limit: number; beforeId?: number }): AuditEntry[] {
    const limit = Math.max(1, Math.min(MAX_AUDIT_LIST, Math.floor(Number.isFinite(opts.limit) ? opts.limit : 100)));
    const rows = opts.beforeId === undefined
      ? this.#store.db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit)
      : this.#store.db.prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?').all(opts.beforeId, limit);
    return (rows as unknown as AuditRow[]).map(entry);
  }
}
