// DJ accounts: names with scrypt password hashes, from <data_dir>/djs.json (written by `npm run dj`,
// mode 0600) and the config's `djs` list (hashes only). Fed by the config; feeds the studio sign-in
// (studio-api.ts) and the dj CLI. The store is read on every sign-in, so new DJs need no restart.
import { mkdirSync, openSync, fsyncSync, closeSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AircheckError } from '../../../shared/src/errors.ts';
import { DJ_NAME_RE, type DjConfig } from '../../../config/src/config-schema.ts';
import { hashPassword, isPasswordHash, verifyPassword } from '../secrets/secrets.ts';

export const MIN_DJ_PASSWORD_CHARS = 8;
export const MAX_DJ_PASSWORD_CHARS = 1024;
/** A real scrypt hash to verify against when the name is unknown, so timing does not reveal names. */
let dummyHash: Promise<string> | null = null;

interface DjStoreFile {
  version: 1;
  djs: { name: string; password_hash: string; createdAt: string }[];
}

export interface DjAccount {
  name: string;
  source: 'store' | 'config';
  createdAt: string | null;
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

export class DjAccounts {
  readonly storePath: string;
  #configured: readonly DjConfig[];

  constructor(dataDir: string, configured: readonly DjConfig[]) {
    this.storePath = join(dataDir, 'djs.json');
    this.#configured = configured;
  }

  /** SIGHUP: the config's list changed. */
  setConfigured(configured: readonly DjConfig[]): void {
    this.#configured = configured;
  }

  list(): DjAccount[] {
    const out: DjAccount[] = this.#read().djs.map((d) => ({ name: d.name, source: 'store' as const, createdAt: d.createdAt }));
    for (const d of this.#configured) if (!out.some((a) => a.name === d.name)) out.push({ name: d.name, source: 'config', createdAt: null });
    return out;
  }

  /** The account name when name and password match (the store wins over the config), else null. */
  async verify(name: string, password: string, client?: string): Promise<string | null> {
    const hash = this.#read().djs.find((d) => d.name === name)?.password_hash ?? this.#configured.find((d) => d.name === name)?.password_hash;
    if (!hash) {
      dummyHash ??= hashPassword('aircheck-dummy-password');
      await verifyPassword(password, await dummyHash, client);
      return null;
    }
    return (await verifyPassword(password, hash, client)) ? name : null;
  }

  async add(name: string, password: string): Promise<void> {
    checkDjName(name);
    checkDjPassword(password);
    const store = this.#read();
    if (store.djs.some((d) => d.name === name) || this.#configured.some((d) => d.name === name)) {
      throw new AircheckError('DJ_EXISTS', `DJ "${name}" already has an account: pick another name, or remove it first with \`npm run dj -- remove ${name}\``);
    }
    store.djs.push({ name, password_hash: await hashPassword(password), createdAt: new Date().toISOString() });
    this.#write(store);
  }

  remove(name: string): void {
    const store = this.#read();
    const before = store.djs.length;
    store.djs = store.djs.filter((d) => d.name !== name);
    if (store.djs.length === before) {
      const inConfig = this.#configured.some((d) => d.name === name);
      throw new AircheckError('DJ_NOT_FOUND', inConfig
        ? `DJ "${name}" is listed in the config file's djs, not in ${this.storePath}: remove the entry there`
        : `no DJ "${name.slice(0, 80)}" in ${this.storePath}: see \`npm run dj -- list\``);
    }
    this.#write(store);
  }

  #read(): DjStoreFile {
    let text: string;
    try {
      text = readFileSync(this.storePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, djs: [] };
      throw new AircheckError('DATA_DIR_UNUSABLE', `cannot read ${this.storePath} (${(err as NodeJS.ErrnoException).code}): check the data directory's permissions`, { cause: err });
    }
    try {
      const parsed = JSON.parse(text) as DjStoreFile;
      if (parsed.version !== 1 || !Array.isArray(parsed.djs)) throw new Error('unexpected shape');
      for (const d of parsed.djs) {
        if (typeof d.name !== 'string' || !DJ_NAME_RE.test(d.name) || typeof d.password_hash !== 'string' || !isPasswordHash(d.password_hash)) {
          throw new Error('an entry lacks a valid name or scrypt password_hash');
        }
      }
      return parsed;
    } catch (cause) {
      throw new AircheckError('DJ_ACCOUNT_INVALID', `${this.storePath} is corrupt (${(cause as Error).message}): restore it from a backup, or delete it and add the DJs again`, { cause });
    }
  }

  #write(store: DjStoreFile): void {
    try {
      mkdirSync(join(this.storePath, '..'), { recursive: true, mode: 0o700 });
      const tmp = `${this.storePath}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
      const fd = openSync(tmp, 'r');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, this.storePath);
    } catch (cause) {
      throw new AircheckError('DATA_DIR_UNUSABLE', `cannot write ${this.storePath}: check the data directory's permissions and free space`, { cause });
    }
  }
}
