// The station's state in one SQLite file, <data_dir>/station.sqlite (WAL, mode 0600): accounts,
// console sessions, API tokens, the audit log, settings, mount settings, the schedule, listener history
// and the console's push targets, with numbered migrations. Opened by bridge.ts and `npm run dj`;
// read and written by the classes beside it.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { AircheckError } from '../../../shared/src/errors.ts';

export const STATION_DB_FILE = 'station.sqlite';
/** How long a write waits for another process (`npm run dj` while the bridge runs) to finish its own. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * node:sqlite prints "ExperimentalWarning: SQLite is an experimental feature" when it is first
 * loaded. That one warning is dropped while the module loads; every other warning passes through.
 * (A static import would load it before any code of ours runs, so it is loaded here, on first use.)
 */
let sqlite: typeof import('node:sqlite') | null = null;
function loadSqlite(): typeof import('node:sqlite') {
  if (sqlite) return sqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && /\bSQLite\b/.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    sqlite = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');
  } finally {
    process.emitWarning = emitWarning;
  }
  return sqlite;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Applied in order, each once; a released version never changes, a change is a new migration. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, sessions, API tokens, audit log, settings, schedule, listener history',
    sql: `
      CREATE TABLE users (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'dj')),
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        last_login_at TEXT,
        origin TEXT NOT NULL CHECK (origin IN ('console', 'config', 'djs.json', 'credentials')),
        -- 1 while the row is exactly what a bootstrap source put there; 0 once the console changed it
        managed INTEGER NOT NULL DEFAULT 0
      );
      -- What each bootstrap source last put in, kept after the row is removed: a name removed in the
      -- console does not come back from the same entry on the next start.
      CREATE TABLE user_bootstrap (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        origin TEXT NOT NULL,
        password_hash TEXT NOT NULL
      );
      CREATE TABLE web_sessions (
        id_hash TEXT PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE REFERENCES users(name) ON DELETE CASCADE ON UPDATE CASCADE,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        remote TEXT NOT NULL,
        user_agent TEXT NOT NULL
      );
      CREATE INDEX web_sessions_name ON web_sessions(name);
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL COLLATE NOCASE REFERENCES users(name) ON DELETE CASCADE ON UPDATE CASCADE,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at_ms INTEGER
      );
      CREATE INDEX api_tokens_owner ON api_tokens(owner);
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        remote TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE TABLE station_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE schedule (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        dj TEXT,
        days TEXT,
        start TEXT,
        timezone TEXT,
        at TEXT,
        duration_minutes INTEGER NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('config', 'console')),
        position INTEGER NOT NULL DEFAULT 0
      );
      -- Config entries removed in the console, with the entry as it was: the same entry is not
      -- brought back by the next bootstrap; a changed one is.
      CREATE TABLE schedule_removed (
        name TEXT PRIMARY KEY,
        entry TEXT NOT NULL
      );
      CREATE TABLE listener_samples (
        mount TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        listeners INTEGER NOT NULL,
        PRIMARY KEY (mount, at_ms)
      ) WITHOUT ROWID;
      CREATE INDEX listener_samples_at ON listener_samples(at_ms);
    `,
  },
  {
    version: 2,
    name: 'mount settings set in the console',
    sql: `
      -- One row per (mount, field) the console overrides; value is JSON (a string or a boolean).
      -- Rows of a mount the config no longer has are kept (and ignored) until it comes back.
      CREATE TABLE mount_settings (
        path TEXT NOT NULL,
        field TEXT NOT NULL CHECK (field IN ('name', 'description', 'genre', 'url', 'hidden', 'fallback_file', 'fallback_mount')),
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (path, field)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'push targets added in the console',
    sql: `
      -- Pushes of a configured mount to external Icecast servers, beside the config's [[mounts.push]].
      -- push_key is the push's name, or HOST:PORT/MOUNT without one: unique per mount, as in the config.
      -- The password is stored as given (it is sent to the server); the API never returns it.
      -- Rows of a mount the config no longer has are kept (and not run) until it comes back.
      CREATE TABLE push_targets (
        id TEXT PRIMARY KEY,
        mount TEXT NOT NULL,
        push_key TEXT NOT NULL,
        name TEXT,
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        target_mount TEXT NOT NULL,
        user TEXT NOT NULL,
        password TEXT NOT NULL,
        tls INTEGER NOT NULL,
        format TEXT,
        from_mount TEXT,
        public INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        UNIQUE (mount, push_key)
      );
    `,
  },
];

export class StationDb {
  readonly db: DatabaseSync;
  readonly file: string;

  private constructor(db: DatabaseSync, file: string) {
    this.db = db;
    this.file = file;
  }

  /** `<dataDir>/station.sqlite` */
  static fileIn(dataDir: string): string {
    return join(dataDir, STATION_DB_FILE);
  }

  /**
   * Opens (creating when missing, mode 0600) and migrates the database. Throws STATION_DB_FAILED when
   * it cannot be opened or written, or when it was written by a newer Aircheck (a schema this code
   * does not know). `migrations` is for tests.
   */
  static open(file: string, opts: { migrations?: readonly Migration[] } = {}): StationDb {
    const migrations = opts.migrations ?? MIGRATIONS;
    let db: DatabaseSync | null = null;
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // Created before SQLite sees it: SQLite gives the -wal and -shm files the database file's mode.
      closeSync(openSync(file, 'a', 0o600));
      try {
        chmodSync(file, 0o600);
      } catch {
        // Not our file (another user created it): its owner chose the mode; opening still works.
      }
      db = new (loadSqlite().DatabaseSync)(file);
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA foreign_keys = ON');
      migrate(db, file, migrations);
      return new StationDb(db, file);
    } catch (cause) {
      try {
        db?.close();
      } catch {
        // Closing a database that failed to open or migrate: the error below is the one to report.
      }
      if (cause instanceof AircheckError && cause.code === 'STATION_DB_FAILED') throw cause;
      throw new AircheckError('STATION_DB_FAILED', `cannot open the station database ${file} (${(cause as Error).message}): check the data directory's permissions and free space, or restore the file from a backup`, { cause });
    }
  }

  /** Runs fn in one write transaction (BEGIN IMMEDIATE: waits for another writer up to the busy timeout). */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** The schema version applied (the highest migration). */
  version(): number {
    const row = this.db.prepare('SELECT MAX(version) AS v FROM migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

function migrate(db: DatabaseSync, file: string, migrations: readonly Migration[]): void {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const current = (db.prepare('SELECT MAX(version) AS v FROM migrations').get() as { v: number | null }).v ?? 0;
    if (current > known) {
      throw new AircheckError('STATION_DB_FAILED', `the station database ${file} has schema version ${current}, this Aircheck knows versions up to ${known}: run the newer Aircheck that wrote it, or restore a backup made with this version`);
    }
    const record = db.prepare('INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
