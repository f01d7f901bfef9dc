// DJ accounts as the studio sign-in and `npm run dj` see them: the station database's users
// (../station/users.ts, the one account system), and the legacy <data_dir>/djs.json that older
// versions wrote, read at start to bootstrap Users. Feeds the studio sign-in (studio-api.ts) and dj-cli.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import { DJ_NAME_RE, type DjConfig } from '../../../config/src/config-schema.ts';
import { isPasswordHash } from '../secrets/secrets.ts';
import { StationDb } from '../station/station-db.ts';
import { MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Users, type BootstrapAccount, type UserView } from '../station/users.ts';

export const MIN_DJ_PASSWORD_CHARS = MIN_PASSWORD_CHARS;
export const MAX_DJ_PASSWORD_CHARS = MAX_PASSWORD_CHARS;
export const LEGACY_DJS_FILE = 'djs.json';

interface DjStoreFile {
  version: 1;
  djs: { name: string; password_hash: string; createdAt: string }[];
}

export function checkDjName(name: string): void {
  if (!DJ_NAME_RE.test(name)) {
    throw new AircheckError('DJ_ACCOUNT_INVALID', `DJ name ${JSON.stringify(name.slice(0, 80))} is invalid: use 1–64 of a–z, A–Z, 0–9, '.', '_', '-', starting with a letter or digit`);
  }
}

export function checkDjPassword(password: string): void {
  if (password.length < MIN_DJ_PASSWORD_CHARS || password.length > MAX_DJ_PASSWORD_CHARS) {
    throw new AircheckError('DJ_ACCOUNT_INVALID', `the password has ${password.length} characters, expected ${MIN_DJ_PASSWORD_CHARS}–${MAX_DJ_PASSWORD_CHARS}: choose a longer one, or let \`npm run dj -- add NAME\` generate one`);
  }
}

/**
 * The DJs of <dataDir>/djs.json (written by `npm run dj` before accounts moved to the station
 * database), for Users.bootstrap({ legacyDjs }); [] when there is none. DJ_ACCOUNT_INVALID when it
 * is corrupt, DATA_DIR_UNUSABLE when it cannot be read.
 */
export function readLegacyDjs(dataDir: string): BootstrapAccount[] {
  const path = join(dataDir, LEGACY_DJS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AircheckError('DATA_DIR_UNUSABLE', `cannot read ${path} (${(err as NodeJS.ErrnoException).code}): check the data directory's permissions`, { cause: err });
  }
  try {
    const parsed = JSON.parse(text) as DjStoreFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.djs)) throw new Error('unexpected shape');
    return parsed.djs.map((d) => {
      if (typeof d.name !== 'string' || !DJ_NAME_RE.test(d.name) || typeof d.password_hash !== 'string' || !isPasswordHash(d.password_hash)) {
        throw new Error('an entry lacks a valid name or scrypt password_hash');
      }
      return { name: d.name, passwordHash: d.password_hash };
    });
  } catch (cause) {
    throw new AircheckError('DJ_ACCOUNT_INVALID', `${path} is corrupt (${(cause as Error).message}): restore it from a backup, or delete it and add the DJs again with \`npm run dj -- add NAME\``, { cause });
  }
}

/** The config's `djs` as bootstrap accounts. */
export function configuredDjs(configured: readonly DjConfig[]): BootstrapAccount[] {
  return configured.map((d) => ({ name: d.name, passwordHash: d.password_hash }));
}

/**
 * The studio's and the CLI's view of Users: verify() answers the account name (any enabled user may
 * use the studio), add/remove manage DJs with the DJ_* error codes `npm run dj` documents.
 */
export class DjAccounts {
  readonly users: Users;

  constructor(users: Users) {
    this.users = users;
  }

  /** The account name when name and password match an enabled user, else null (may throw AUTH_BUSY). */
  verify(name: string, password: string, client?: string): Promise<string | null> {
    return this.users.studioVerify(name, password, client);
  }

  list(): UserView[] {
    return this.users.list();
  }

  async add(name: string, password: string): Promise<UserView> {
    checkDjName(name);
    checkDjPassword(password);
    if (this.users.get(name)) throw djExists(name);
    try {
      return await this.users.create({ name, role: 'dj', password });
    } catch (err) {
      if (isAircheckError(err, 'USER_EXISTS')) throw djExists(name);
      throw err;
    }
  }

  /** Removes a DJ (not an operator or admin: those are the console's). */
  remove(name: string): void {
    const user = this.users.get(name);
    if (!user || user.role !== 'dj') {
      throw new AircheckError('DJ_NOT_FOUND', user
        ? `"${user.name}" is an ${user.role}, not a DJ: change or remove it in the console`
        : `no DJ "${name.slice(0, 80)}": see \`npm run dj -- list\``);
    }
    this.users.remove(user.name);
  }
}

function djExists(name: string): AircheckError {
  return new AircheckError('DJ_EXISTS', `"${name}" already has an account: pick another name, or remove it first with \`npm run dj -- remove ${name}\``);
}

/**
 * Opens <dataDir>/station.sqlite, brings in the config's DJs and djs.json as the bridge does at start
 * (no admin: that is the bridge's; skipped when configured is null), runs fn and closes. For
 * `npm run dj` and tests; safe while the bridge runs (WAL, busy timeout).
 */
export async function withDjAccounts<T>(dataDir: string, configured: readonly DjConfig[] | null, fn: (accounts: DjAccounts) => T | Promise<T>): Promise<T> {
  const db = StationDb.open(StationDb.fileIn(dataDir));
  try {
    const users = new Users(db);
    if (configured) users.bootstrap({ admin: null, djs: configuredDjs(configured), legacyDjs: readLegacyDjs(dataDir) });
    return await fn(new DjAccounts(users));
  } finally {
    db.close();
  }
}

/** Adds a DJ to <dataDir>'s station database (tests and scripts preparing a data directory). */
export function addDjAccount(dataDir: string, name: string, password: string): Promise<UserView> {
  return withDjAccounts(dataDir, null, (accounts) => accounts.add(name, password));
}
