// The one account system (admins, operators, DJs) in the station database: scrypt hashes, roles,
// disabling. Fed at start and on reload by bootstrap() (the admin of credentials.json, the config's
// `djs`, the legacy djs.json) and by the console; read by every sign-in (console, studio, API).
import { AircheckError } from '../../../shared/src/errors.ts';
import { DJ_NAME_RE } from '../../../config/src/config-schema.ts';
import { hashPassword, verifyPassword } from '../secrets/secrets.ts';
import type { StationDb } from './station-db.ts';

export type Role = 'admin' | 'operator' | 'dj';
export const ROLES: readonly Role[] = ['admin', 'operator', 'dj'];
export type UserOrigin = 'console' | 'config' | 'djs.json' | 'credentials';

export const MIN_PASSWORD_CHARS = 8;
export const MAX_PASSWORD_CHARS = 1024;

export interface UserView {
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  origin: UserOrigin;
}

/** An account a bootstrap source declares: its name and scrypt hash (never a password). */
export interface BootstrapAccount {
  name: string;
  passwordHash: string;
}

export interface UsersBootstrap {
  /** The admin of credentials.json (config `admin.user` + the stored or configured hash); null leaves the admin row alone. */
  admin: BootstrapAccount | null;
  /** The config's `djs`. */
  djs: BootstrapAccount[];
  /** <data_dir>/djs.json (readLegacyDjs in ../accounts/dj-accounts.ts); wins over `djs` for the same name, as it did. */
  legacyDjs?: BootstrapAccount[];
}

interface UserRow {
  name: string;
  role: Role;
  password_hash: string;
  disabled: number;
  created_at: string;
  last_login_at: string | null;
  origin: UserOrigin;
  managed: number;
}

/** A real scrypt hash to verify against when the name is unknown, so timing does not reveal names. */
let dummyHash: Promise<string> | null = null;

function view(row: UserRow): UserView {
  return { name: row.name, role: row.role, disabled: row.disabled !== 0, createdAt: row.created_at, lastLoginAt: row.last_login_at, origin: row.origin };
}

export function checkUserName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !DJ_NAME_RE.test(name)) {
    throw new AircheckError('USER_INVALID', `user name ${JSON.stringify(String(name).slice(0, 80))} is invalid: use 1–64 of a–z, A–Z, 0–9, '.', '_', '-', starting with a letter or digit`);
  }
}

export function checkUserPassword(password: unknown): asserts password is string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_CHARS || password.length > MAX_PASSWORD_CHARS) {
    const got = typeof password === 'string' ? `${password.length} characters` : 'no text';
    throw new AircheckError('USER_INVALID', `the password has ${got}, expected ${MIN_PASSWORD_CHARS}–${MAX_PASSWORD_CHARS} characters: choose a longer one`);
  }
}

export function checkRole(role: unknown): asserts role is Role {
  if (!ROLES.includes(role as Role)) {
    throw new AircheckError('USER_INVALID', `role ${JSON.stringify(String(role).slice(0, 40))} is invalid: use "admin", "operator" or "dj"`);
  }
}

export class Users {
  readonly #store: StationDb;
  readonly #now: () => number;

  constructor(db: StationDb, opts: { now?: () => number } = {}) {
    this.#store = db;
    this.#now = opts.now ?? Date.now;
  }

  #row(name: string): UserRow | undefined {
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) return undefined;
    return this.#store.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  /**
   * At start and on reload. Each declared account is inserted when missing; a row a source put in
   * follows that source (a new hash in the config takes effect) until the console changes it, and is
   * never touched after that. A config DJ that leaves the config leaves with it (unless the console
   * changed it). An account removed in the console does not come back from the same entry.
   */
  bootstrap(input: UsersBootstrap): void {
    const now = this.#iso();
    const db = this.#store.db;
    this.#store.transaction(() => {
      const seen = new Set<string>();
      const getMark = db.prepare('SELECT origin, password_hash FROM user_bootstrap WHERE name = ?');
      const setMark = db.prepare('INSERT INTO user_bootstrap (name, origin, password_hash) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET origin = excluded.origin, password_hash = excluded.password_hash');
      const apply = (account: BootstrapAccount, origin: UserOrigin, role: Role) => {
        const key = account.name.toLowerCase();
        if (!account.name || seen.has(key)) return;
        seen.add(key);
        const row = this.#row(account.name);
        if (row) {
          if (row.managed && row.origin === origin) {
            if (row.password_hash !== account.passwordHash || row.role !== role) {
              db.prepare('UPDATE users SET password_hash = ?, role = ? WHERE name = ?').run(account.passwordHash, role, account.name);
            }
            setMark.run(account.name, origin, account.passwordHash);
          }
          return;
        }
        const mark = getMark.get(account.name) as { origin: string; password_hash: string } | undefined;
        if (mark && mark.origin === origin && mark.password_hash === account.passwordHash) return; // removed in the console
        db.prepare('INSERT INTO users (name, role, password_hash, disabled, created_at, last_login_at, origin, managed) VALUES (?, ?, ?, 0, ?, NULL, ?, 1)')
          .run(account.name, role, account.passwordHash, now, origin);
        setMark.run(account.name, origin, account.passwordHash);
      };
      if (input.admin) apply(input.admin, 'credentials', 'admin');
      for (const d of input.legacyDjs ?? []) apply(d, 'djs.json', 'dj');
      for (const d of input.djs) apply(d, 'config', 'dj');

      // Rows a source put in that the source no longer declares (and the console never changed).
      const gone: string[] = [];
      for (const r of db.prepare("SELECT name, origin FROM users WHERE managed = 1 AND origin IN ('config', 'credentials')").all() as { name: string; origin: UserOrigin }[]) {
        if (r.origin === 'credentials' && !input.admin) continue;
        if (!seen.has(r.name.toLowerCase())) gone.push(r.name);
      }
      for (const name of gone) {
        db.prepare('DELETE FROM users WHERE name = ?').run(name);
        db.prepare('DELETE FROM user_bootstrap WHERE name = ?').run(name);
      }
    });
  }

  list(): UserView[] {
    return (this.#store.db.prepare('SELECT * FROM users ORDER BY name').all() as unknown as UserRow[]).map(view);
  }

  get(name: string): UserView | null {
    const row = this.#row(name);
    return row ? view(row) : null;
  }

  /** USER_INVALID (name, role, password) or USER_EXISTS. */
  async create(input: { name: string; role: Role; password: string }): Promise<UserView> {
    checkUserName(input.name);
    checkRole(input.role);
    checkUserPassword(input.password);
    if (this.#row(input.name)) throw exists(input.name);
    const hash = await hashPassword(input.password);
    try {
      this.#store.db.prepare("INSERT INTO users (name, role, password_hash, disabled, created_at, last_login_at, origin, managed) VALUES (?, ?, ?, 0, ?, NULL, 'console', 0)")
        .run(input.name, input.role, hash, this.#iso());
    } catch (cause) {
      if (/UNIQUE/.test((cause as Error).message)) throw exists(input.name); // created while hashing
      throw cause;
    }
    return this.get(input.name)!;
  }

  /**
   * Changes a password, the disabled flag or the role: USER_NOT_FOUND, USER_INVALID. A new password
   * or disabling ends the user's console sessions. The last enabled admin stays an enabled admin.
   */
  async update(name: string, change: { password?: string; disabled?: boolean; role?: Role }): Promise<UserView> {
    const row = this.#row(name);
    if (!row) throw notFound(name);
    if (change.role !== undefined) checkRole(change.role);
    if (change.password !== undefined) checkUserPassword(change.password);
    if (change.disabled !== undefined && typeof change.disabled !== 'boolean') {
      throw new AircheckError('USER_INVALID', `disabled must be true or false, got ${JSON.stringify(change.disabled)}`);
    }
    const hash = change.password !== undefined ? await hashPassword(change.password) : null;
    const db = this.#store.db;
    this.#store.transaction(() => {
      const current = this.#row(name);
      if (!current) throw notFound(name);
      const role = change.role ?? current.role;
      const disabled = change.disabled ?? current.disabled !== 0;
      if (current.role === 'admin' && current.disabled === 0 && (role !== 'admin' || disabled)) this.#keepAnAdmin(current.name, disabled ? 'disable' : 'change the role of');
      const changed = hash !== null || role !== current.role || disabled !== (current.disabled !== 0);
      if (!changed) return;
      db.prepare('UPDATE users SET password_hash = ?, role = ?, disabled = ?, managed = 0 WHERE name = ?').run(hash ?? current.password_hash, role, disabled ? 1 : 0, current.name);
      if (hash !== null || (disabled && current.disabled === 0)) db.prepare('DELETE FROM web_sessions WHERE name = ?').run(current.name);
    });
    return this.get(name)!;
  }

  /** Removes the account, its console sessions and its API tokens: USER_NOT_FOUND; the last enabled admin stays. */
  remove(name: string): void {
    this.#store.transaction(() => {
      const row = this.#row(name);
      if (!row) throw notFound(name);
      if (row.role === 'admin' && row.disabled === 0) this.#keepAnAdmin(row.name, 'remove');
      this.#store.db.prepare('DELETE FROM users WHERE name = ?').run(row.name);
    });
  }

  #keepAnAdmin(name: string, what: string): void {
    const others = this.#store.db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND name <> ?").get(name) as { n: number };
    if (others.n === 0) throw new AircheckError('USER_INVALID', `cannot ${what} "${name}": it is the only enabled admin; make another user an admin first`);
  }

  /**
   * name + password (+ remote: its share of the KDF queue; may throw AUTH_BUSY) → the user when it
   * exists, is enabled and the password matches; else null. Unknown names cost the same scrypt.
   */
  async verify(name: string, password: string, remote?: string): Promise<UserView | null> {
    const row = this.#row(name);
    if (!row) {
      dummyHash ??= hashPassword('aircheck-dummy-password');
      await verifyPassword(typeof password === 'string' ? password : '', await dummyHash, remote);
      return null;
    }
    const ok = await verifyPassword(typeof password === 'string' ? password : '', row.password_hash, remote);
    // Read again: the account may have been disabled, removed or given a new password meanwhile.
    const now = this.#row(row.name);
    if (!ok || !now || now.disabled !== 0 || now.password_hash !== row.password_hash) return null;
    this.#store.db.prepare('UPDATE users SET last_login_at = ? WHERE name = ?').run(this.#iso(), now.name);
    return this.get(now.name);
  }

  /** The studio sign-in's check (`/api/login`): any enabled user may broadcast; the account name or null. */
  async studioVerify(name: string, password: string, remote?: string): Promise<string | null> {
    return (await this.verify(name, password, remote))?.name ?? null;
  }
}

function exists(name: string): AircheckError {
  return new AircheckError('USER_EXISTS', `a user "${name}" already exists (names ignore case): pick another name, or change that user`);
}

function notFound(name: string): AircheckError {
  return new AircheckError('USER_NOT_FOUND', `no user "${String(name).slice(0, 80)}": check the name in the list of users`);
}
