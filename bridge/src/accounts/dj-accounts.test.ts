// DJ accounts over the station database: the studio's verify (any enabled user), djs.json read for
// the migration, and the `npm run dj` command line as a user runs it, also while a bridge has the
// database open.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DjAccounts, addDjAccount, readLegacyDjs } from './dj-accounts.ts';
import { hashPassword } from '../secrets/secrets.ts';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { StationDb } from '../station/station-db.ts';
import { Users } from '../station/users.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-djs-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const dir = join(root, `d${++n}`);
  mkdirSync(dir);
  return dir;
};
const CLI = fileURLToPath(new URL('./dj-cli.ts', import.meta.url));

function dj(dataDir: string, args: string[], input?: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, AIRCHECK_DATA_DIR: dataDir, ...env },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 20_000,
  });
}

/** The bridge's view: the station database held open, as the running server holds it. */
function openUsers(dataDir: string): Users {
  const db = StationDb.open(StationDb.fileIn(dataDir));
  after(() => db.close());
  return new Users(db);
}

describe('DjAccounts', () => {
  it('the studio check answers the account name for any enabled user, null otherwise', async () => {
    const users = openUsers(fresh());
    const accounts = new DjAccounts(users);
    await accounts.add('nina', 'correct horse');
    await users.create({ name: 'opal', role: 'operator', password: 'operator-pass' });
    assert.equal(await accounts.verify('nina', 'correct horse'), 'nina');
    assert.equal(await accounts.verify('opal', 'operator-pass', '192.0.2.1'), 'opal', 'operators and admins may use the studio');
    assert.equal(await accounts.verify('nina', 'wrong horse'), null);
    assert.equal(await accounts.verify('nobody', 'correct horse'), null);
    await users.update('nina', { disabled: true });
    assert.equal(await accounts.verify('nina', 'correct horse'), null);
  });

  it('refuses duplicates, bad names, short passwords and removing a non-DJ with the DJ_* codes', async () => {
    const users = openUsers(fresh());
    const accounts = new DjAccounts(users);
    users.bootstrap({ admin: { name: 'admin', passwordHash: await hashPassword('admin-pass') }, djs: [{ name: 'cfg', passwordHash: await hashPassword('config-pass') }] });
    assert.equal(await accounts.verify('cfg', 'config-pass'), 'cfg');
    await assert.rejects(accounts.add('cfg', 'another-pass'), (e) => isAircheckError(e, 'DJ_EXISTS'));
    await assert.rejects(accounts.add('CFG', 'another-pass'), (e) => isAircheckError(e, 'DJ_EXISTS'));
    await assert.rejects(accounts.add('bad name', 'another-pass'), (e) => isAircheckError(e, 'DJ_ACCOUNT_INVALID'));
    await assert.rejects(accounts.add('short', 'abc'), (e) => isAircheckError(e, 'DJ_ACCOUNT_INVALID'));
    assert.throws(() => accounts.remove('ghost'), (e) => isAircheckError(e, 'DJ_NOT_FOUND'));
    assert.throws(() => accounts.remove('admin'), (e) => isAircheckError(e, 'DJ_NOT_FOUND') && /is an admin/.test(e.message));
  });
});

describe('djs.json (before accounts moved to the station database)', () => {
  it('is read for the migration: its DJs sign in with their old passwords', async () => {
    const dir = fresh();
    assert.deepEqual(readLegacyDjs(dir), [], 'no file, no DJs');
    const hash = await hashPassword('old-password');
    writeFileSync(join(dir, 'djs.json'), JSON.stringify({ version: 1, djs: [{ name: 'nina', password_hash: hash, createdAt: '2026-01-01T00:00:00Z' }] }));
    assert.deepEqual(readLegacyDjs(dir), [{ name: 'nina', passwordHash: hash }]);
    const users = openUsers(dir);
    users.bootstrap({ admin: null, djs: [], legacyDjs: readLegacyDjs(dir) });
    assert.equal(await new DjAccounts(users).verify('nina', 'old-password'), 'nina');
  });

  it('reports a corrupt file with a code instead of crashing', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'djs.json'), '{"version":1,"djs":[{"name":"x"}]}');
    assert.throws(() => readLegacyDjs(dir), (e) => isAircheckError(e, 'DJ_ACCOUNT_INVALID') && e.message.includes('djs.json'));
  });
});

describe('npm run dj', () => {
  it('adds with a piped password, generates and prints one otherwise, lists and removes, while the bridge has the database open', async () => {
    const dir = fresh();
    const server = new DjAccounts(openUsers(dir)); // the running bridge
    const added = dj(dir, ['add', 'nina'], 'piped-password\n');
    assert.equal(added.status, 0, added.stderr);
    assert.ok(!added.stdout.includes('piped-password'));
    assert.equal(await server.verify('nina', 'piped-password'), 'nina', 'signs in at once, no restart');

    const generated = dj(dir, ['add', 'otis']);
    assert.equal(generated.status, 0, generated.stderr);
    const password = /password \(shown once\): (\S+)/.exec(generated.stdout)?.[1];
    assert.ok(password, generated.stdout);
    assert.equal(await server.verify('otis', password), 'otis');

    const list = dj(dir, ['list']);
    assert.match(list.stdout, /^nina\tdj\tfrom console, created /m);
    assert.match(list.stdout, /^otis\t/m);
    assert.equal(dj(dir, ['remove', 'nina']).status, 0);
    assert.doesNotMatch(dj(dir, ['list']).stdout, /nina/);
    assert.equal(await server.verify('nina', 'piped-password'), null);
  });

  it('lists and manages the DJs of djs.json and the config once migrated; a removed one stays removed', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'djs.json'), JSON.stringify({ version: 1, djs: [{ name: 'legacy', password_hash: await hashPassword('legacy-pass'), createdAt: '2026-01-01T00:00:00Z' }] }));
    const config = join(dir, 'aircheck.toml');
    writeFileSync(config, `[[djs]]\nname = "cfg"\npassword_hash = "${await hashPassword('config-pass')}"\n`);
    const list = dj(dir, ['list', '--config', config]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^cfg\tdj\tfrom config/m);
    assert.match(list.stdout, /^legacy\tdj\tfrom djs\.json/m);
    assert.match(dj(dir, ['add', 'legacy', '--config', config], 'password-1').stderr, /DJ_EXISTS/);
    assert.equal(dj(dir, ['remove', 'legacy', '--config', config]).status, 0);
    assert.doesNotMatch(dj(dir, ['list', '--config', config]).stdout, /legacy/, 'djs.json does not bring it back');
  });

  it("passwd sets a new password for any account, an admin's too, and the running bridge takes it at once", async () => {
    const dir = fresh();
    const server = openUsers(dir); // the running bridge
    await server.create({ name: 'boss', role: 'admin', password: 'forgotten-password' });
    const piped = dj(dir, ['passwd', 'boss'], 'remembered-password\n');
    assert.equal(piped.status, 0, piped.stderr);
    assert.match(piped.stdout, /new password set for admin "boss"/);
    assert.ok(!piped.stdout.includes('remembered-password'));
    assert.equal((await server.verify('boss', 'remembered-password'))?.role, 'admin');
    assert.equal(await server.verify('boss', 'forgotten-password'), null, 'the old password no longer works');
    const generated = dj(dir, ['passwd', 'boss']);
    const password = /\(shown once\): (\S+)/.exec(generated.stdout)?.[1];
    assert.ok(password, generated.stdout);
    assert.equal((await server.verify('boss', password))?.name, 'boss');
    const ghost = dj(dir, ['passwd', 'ghost'], 'some-password');
    assert.equal(ghost.status, 1);
    assert.match(ghost.stderr, /USER_NOT_FOUND/);
    assert.match(dj(dir, ['passwd', 'boss'], 'short').stderr, /USER_INVALID/);
  });

  it('fails with a clear message and code for a duplicate, an unknown name and bad usage', () => {
    const dir = fresh();
    assert.equal(dj(dir, ['add', 'dup'], 'password-1').status, 0);
    const dup = dj(dir, ['add', 'dup'], 'password-2');
    assert.equal(dup.status, 1);
    assert.match(dup.stderr, /DJ_EXISTS/);
    assert.match(dj(dir, ['remove', 'ghost']).stderr, /DJ_NOT_FOUND/);
    const usage = dj(dir, ['frobnicate']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /Usage: npm run dj/);
  });

  it('addDjAccount prepares a data directory the way the CLI does', async () => {
    const dir = fresh();
    await addDjAccount(dir, 'prep', 'prep-password');
    assert.equal(await new DjAccounts(openUsers(dir)).verify('prep', 'prep-password'), 'prep');
  });
});
