// DJ accounts: the store (hashes, mode 0600, read on every sign-in), config-listed DJs, and the
// `npm run dj` command line as a user runs it.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DjAccounts } from './dj-accounts.ts';
import { hashPassword } from '../secrets/secrets.ts';
import { isAircheckError } from '../../../shared/src/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-djs-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${++n}`);
const CLI = fileURLToPath(new URL('./dj-cli.ts', import.meta.url));

function dj(dataDir: string, args: string[], input?: string) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, AIRCHECK_DATA_DIR: dataDir },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('DjAccounts', () => {
  it('stores scrypt hashes only, mode 0600, and verifies name and password', async () => {
    const dir = fresh();
    const accounts = new DjAccounts(dir, []);
    await accounts.add('nina', 'correct horse');
    const text = readFileSync(join(dir, 'djs.json'), 'utf8');
    assert.ok(!text.includes('correct horse'));
    assert.match(text, /scrypt\$/);
    assert.equal(statSync(join(dir, 'djs.json')).mode & 0o777, 0o600);
    assert.equal(await accounts.verify('nina', 'correct horse'), 'nina');
    assert.equal(await accounts.verify('nina', 'wrong horse'), null);
    assert.equal(await accounts.verify('nobody', 'correct horse'), null);
  });

  it('reads the store on every check, so a DJ added by the CLI signs in without a restart', async () => {
    const dir = fresh();
    const server = new DjAccounts(dir, []);
    assert.equal(await server.verify('late', 'late-password'), null);
    await new DjAccounts(dir, []).add('late', 'late-password');
    assert.equal(await server.verify('late', 'late-password'), 'late');
  });

  it('accepts config-listed DJs by hash and refuses duplicates, bad names and short passwords with codes', async () => {
    const dir = fresh();
    const accounts = new DjAccounts(dir, [{ name: 'cfg', password_hash: await hashPassword('config-pass') }]);
    assert.equal(await accounts.verify('cfg', 'config-pass'), 'cfg');
    await assert.rejects(accounts.add('cfg', 'another-pass'), (e) => isAircheckError(e, 'DJ_EXISTS'));
    await assert.rejects(accounts.add('bad name', 'another-pass'), (e) => isAircheckError(e, 'DJ_ACCOUNT_INVALID'));
    await assert.rejects(accounts.add('short', 'abc'), (e) => isAircheckError(e, 'DJ_ACCOUNT_INVALID'));
    assert.throws(() => accounts.remove('ghost'), (e) => isAircheckError(e, 'DJ_NOT_FOUND'));
    assert.deepEqual(accounts.list().map((a) => [a.name, a.source]), [['cfg', 'config']]);
  });

  it('reports a corrupt store with a code instead of crashing', async () => {
    const dir = fresh();
    const accounts = new DjAccounts(dir, []);
    await accounts.add('x1', 'password-1');
    writeFileSync(join(dir, 'djs.json'), '{"version":1,"djs":[{"name":"x"}]}');
    await assert.rejects(accounts.verify('x', 'y'), (e) => isAircheckError(e, 'DJ_ACCOUNT_INVALID'));
  });
});

describe('npm run dj', () => {
  it('adds with a piped password, generates and prints one otherwise, lists and removes', async () => {
    const dir = fresh();
    const added = dj(dir, ['add', 'nina'], 'piped-password\n');
    assert.equal(added.status, 0, added.stderr);
    assert.ok(!added.stdout.includes('piped-password'));
    assert.equal(await new DjAccounts(dir, []).verify('nina', 'piped-password'), 'nina');

    const generated = dj(dir, ['add', 'otis']);
    assert.equal(generated.status, 0, generated.stderr);
    const password = /password \(shown once\): (\S+)/.exec(generated.stdout)?.[1];
    assert.ok(password, generated.stdout);
    assert.equal(await new DjAccounts(dir, []).verify('otis', password), 'otis');

    const list = dj(dir, ['list']);
    assert.match(list.stdout, /^nina\t/m);
    assert.match(list.stdout, /^otis\t/m);
    assert.equal(dj(dir, ['remove', 'nina']).status, 0);
    assert.doesNotMatch(dj(dir, ['list']).stdout, /nina/);
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
});
