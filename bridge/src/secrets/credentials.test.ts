import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AircheckError } from '../../../shared/src/errors.ts';
import { loadConfig } from '../../../config/src/config.ts';
import { resolveCredentials, type Credentials } from './credentials.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-credentials-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

let dirCount = 0;
/** A data directory that does not exist yet. */
const freshDataDir = () => join(root, `data-${++dirCount}`);

const configFor = (dataDir: string, env: Record<string, string> = {}) => loadConfig({ env: { AIRCHECK_DATA_DIR: dataDir, ...env } });

function generatedSecret(creds: Credentials, what: RegExp): string {
  const g = creds.generated.find((x) => what.test(x.what));
  assert.ok(g, `a secret matching ${what} was generated: ${creds.generated.map((x) => x.what).join(', ')}`);
  return g.secret;
}

describe('resolveCredentials on first start', () => {
  it('generates the admin password, both source passwords and the /test listener token', async () => {
    const creds = await resolveCredentials(configFor(freshDataDir()));
    const whats = creds.generated.map((g) => g.what);
    assert.equal(whats.length, 4, whats.join(', '));
    assert.ok(whats.some((w) => /admin/.test(w)));
    assert.ok(whats.some((w) => /source password for \/live/.test(w)));
    assert.ok(whats.some((w) => /source password for \/test/.test(w)));
    assert.ok(whats.some((w) => /listener token for private mount \/test/.test(w)));
    assert.equal(creds.generated.find((g) => /admin/.test(g.what))!.user, 'admin');
    assert.equal(creds.generated.find((g) => /\/live/.test(g.what))!.user, 'source');
    for (const g of creds.generated) assert.match(g.secret, /^[A-Za-z0-9_-]{24}$/, `${g.what} is 24 URL-safe characters`);
    assert.equal(new Set(creds.generated.map((g) => g.secret)).size, 4, 'each secret is different');
  });

  it('stores passwords hashed (never in plain text) in credentials.json with mode 0600, in a 0700 directory', async () => {
    const dataDir = freshDataDir();
    const creds = await resolveCredentials(configFor(dataDir));
    const file = join(dataDir, 'credentials.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dataDir).mode & 0o077, 0, 'the data directory is private');
    const text = readFileSync(file, 'utf8');
    for (const g of creds.generated.filter((x) => /password|admin/.test(x.what))) {
      assert.ok(!text.includes(g.secret), `${g.what} is stored in plain text`);
    }
    const stored = JSON.parse(text) as { version: number; secrets: Record<string, string> };
    assert.equal(stored.version, 1);
    for (const key of ['admin', 'source:/live', 'source:/test']) assert.match(stored.secrets[key] ?? '', /^scrypt\$16384\$8\$1\$/, key);
    assert.equal(stored.secrets['listener:/test'], generatedSecret(creds, /listener token/), 'the listener token is a capability kept as is');
  });

  it('accepts the generated secrets and nothing else', async () => {
    const creds = await resolveCredentials(configFor(freshDataDir()));
    const admin = generatedSecret(creds, /admin/);
    const live = generatedSecret(creds, /\/live/);
    const token = generatedSecret(creds, /listener token/);
    assert.equal(await creds.admin.verify('admin', admin), true);
    assert.equal(await creds.mounts.get('/live')!.source.verify('source', live), true);
    assert.equal(await creds.mounts.get('/test')!.source.verify('source', live), false, "/live's password does not open /test");
    assert.equal(creds.listenerTokenOk('/test', token), true);
    assert.equal(creds.listenerTokenOk('/test', `${token}x`), false);
    assert.equal(creds.listenerTokenOk('/test', null), false);
    assert.equal(creds.listenerTokenOk('/test', undefined), false);
    assert.equal(creds.listenerTokenOk('/live', null), true, 'a public mount needs no token');
  });
});

describe('resolveCredentials on later starts', () => {
  it('generates nothing, prints nothing, and keeps accepting the first secrets', async () => {
    const dataDir = freshDataDir();
    const first = await resolveCredentials(configFor(dataDir));
    const before = readFileSync(join(dataDir, 'credentials.json'), 'utf8');
    const second = await resolveCredentials(configFor(dataDir));
    assert.deepEqual(second.generated, []);
    assert.equal(readFileSync(join(dataDir, 'credentials.json'), 'utf8'), before, 'the file is unchanged');
    assert.equal(await second.admin.verify('admin', generatedSecret(first, /admin/)), true);
    assert.equal(await second.mounts.get('/live')!.source.verify('source', generatedSecret(first, /\/live/)), true);
    assert.equal(second.listenerTokenOk('/test', generatedSecret(first, /listener token/)), true);
  });

  it('generates only the secrets of a mount added since, keeping the others', async () => {
    const dataDir = freshDataDir();
    const first = await resolveCredentials(configFor(dataDir));
    const file = join(root, `extra-${dirCount}.toml`);
    writeFileSync(file, '[[mounts]]\npath = "/extra"\nprivate = true\n');
    const second = await resolveCredentials(loadConfig({ configFile: file, env: { AIRCHECK_DATA_DIR: dataDir } }));
    assert.deepEqual(second.generated.map((g) => g.what).sort(), ['listener token for private mount /extra', 'source password for /extra']);
    assert.equal(await second.admin.verify('admin', generatedSecret(first, /admin/)), true);
  });
});

describe('resolveCredentials with configured secrets', () => {
  it('uses passwords from the environment instead of generating or storing them', async () => {
    const dataDir = freshDataDir();
    const creds = await resolveCredentials(
      configFor(dataDir, { AIRCHECK_ADMIN_PASSWORD: 'admin-from-env', AIRCHECK_LIVE_SOURCE_PASSWORD: 'live-from-env', AIRCHECK_TEST_SOURCE_PASSWORD: 'test-from-env', AIRCHECK_TEST_LISTENER_TOKEN: 'token-from-env' }),
    );
    assert.deepEqual(creds.generated, []);
    assert.equal(await creds.admin.verify('admin', 'admin-from-env'), true);
    assert.equal(await creds.mounts.get('/live')!.source.verify('source', 'live-from-env'), true);
    assert.equal(creds.listenerTokenOk('/test', 'token-from-env'), true);
  });

  it('lets an environment password win over one generated earlier', async () => {
    const dataDir = freshDataDir();
    const first = await resolveCredentials(configFor(dataDir));
    const oldAdmin = generatedSecret(first, /admin/);
    const creds = await resolveCredentials(configFor(dataDir, { AIRCHECK_ADMIN_PASSWORD: 'admin-from-env', AIRCHECK_TEST_LISTENER_TOKEN: 'token-from-env' }));
    assert.equal(await creds.admin.verify('admin', 'admin-from-env'), true);
    assert.equal(await creds.admin.verify('admin', oldAdmin), false, 'the stored password no longer works');
    assert.equal(creds.listenerTokenOk('/test', 'token-from-env'), true);
    assert.equal(creds.listenerTokenOk('/test', generatedSecret(first, /listener token/)), false);
    assert.deepEqual(creds.generated, []);
  });

  it('keeps the hash of an admin password configured in plain text while it stays the same, so the account it seeds is not seen as changed', async () => {
    const dataDir = freshDataDir();
    const env = { AIRCHECK_ADMIN_PASSWORD: 'admin-from-env' };
    const first = await resolveCredentials(configFor(dataDir, env));
    const again = await resolveCredentials(configFor(dataDir, env));
    assert.ok(first.admin.passwordHash);
    assert.equal(again.admin.passwordHash, first.admin.passwordHash, 'the same hash at the next start');
    assert.ok(!readFileSync(join(dataDir, 'credentials.json'), 'utf8').includes('admin-from-env'), 'only its hash is stored');
    const changed = await resolveCredentials(configFor(dataDir, { AIRCHECK_ADMIN_PASSWORD: 'another-admin-password' }));
    assert.notEqual(changed.admin.passwordHash, first.admin.passwordHash, 'a new password, a new hash');
    assert.equal(await changed.admin.verify('admin', 'another-admin-password'), true);
    assert.equal(await changed.admin.verify('admin', 'admin-from-env'), false);
  });

  it('checks a configured mount source_user', async () => {
    const file = join(root, 'user.toml');
    writeFileSync(file, '[[mounts]]\npath = "/live"\nsource_user = "dj"\nsource_password = "dj-password-1"\n');
    const creds = await resolveCredentials(loadConfig({ configFile: file, env: { AIRCHECK_DATA_DIR: freshDataDir() } }));
    const live = creds.mounts.get('/live')!.source;
    assert.equal(live.user, 'dj');
    assert.equal(await live.verify('dj', 'dj-password-1'), true);
    assert.equal(await live.verify('source', 'dj-password-1'), false);
  });
});

describe('PasswordCheck.verify', () => {
  it('rejects a wrong user, a wrong password, near misses and absurd input', async () => {
    const creds = await resolveCredentials(configFor(freshDataDir(), { AIRCHECK_ADMIN_PASSWORD: 'correct-horse-1' }));
    const cases: [string, string, boolean][] = [
      ['admin', 'correct-horse-1', true],
      ['admin', 'correct-horse-2', false],
      ['admin', 'correct-horse-1 ', false],
      ['admin', 'Correct-horse-1', false],
      ['admin', '', false],
      ['Admin', 'correct-horse-1', false],
      ['admin ', 'correct-horse-1', false],
      ['', 'correct-horse-1', false],
      ['source', 'correct-horse-1', false],
      ['admin', 'x'.repeat(100_000), false],
    ];
    for (const [user, password, expected] of cases) {
      assert.equal(await creds.admin.verify(user, password), expected, `${JSON.stringify(user)} / ${JSON.stringify(password.slice(0, 20))}`);
    }
  });

  it('runs the password hash even when the user is wrong (no early exit that would reveal valid user names)', async () => {
    const creds = await resolveCredentials(configFor(freshDataDir(), { AIRCHECK_ADMIN_PASSWORD: 'correct-horse-1' }));
    const time = async (user: string) => {
      const start = performance.now();
      for (let i = 0; i < 3; i++) await creds.admin.verify(user, 'wrong-password-1');
      return performance.now() - start;
    };
    await time('admin'); // warm up
    const rightUser = await time('admin');
    const wrongUser = await time('nobody');
    // scrypt (N=16384) takes tens of milliseconds; a short-cut on the user name would take microseconds.
    assert.ok(wrongUser > rightUser / 4, `wrong user ${wrongUser.toFixed(1)} ms, right user ${rightUser.toFixed(1)} ms`);
  });
});

describe('resolveCredentials failures', () => {
  it('refuses a corrupt credentials.json with DATA_DIR_UNUSABLE, saying how to recover', async () => {
    const dataDir = freshDataDir();
    await resolveCredentials(configFor(dataDir));
    writeFileSync(join(dataDir, 'credentials.json'), '{"version": 1, "secr');
    await assert.rejects(resolveCredentials(configFor(dataDir)), (err: unknown) => {
      assert.ok(err instanceof AircheckError);
      assert.equal(err.code, 'DATA_DIR_UNUSABLE');
      assert.match(err.message, /credentials\.json is corrupt/);
      assert.match(err.message, /delete it/);
      return true;
    });
  });

  it('refuses a data directory that is a file with DATA_DIR_UNUSABLE', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    await assert.rejects(resolveCredentials(configFor(file)), (err: unknown) => err instanceof AircheckError && err.code === 'DATA_DIR_UNUSABLE');
  });
});

describe('the MP3 companion mounts (fed by the studio in process, no internal credential)', () => {
  it('take no socket source without a password of their own: not the old internal user, not /live\'s password', async () => {
    const creds = await resolveCredentials(configFor(freshDataDir()));
    const live = generatedSecret(creds, /source password for \/live/);
    for (const path of ['/live.mp3', '/test.mp3']) {
      assert.equal(await creds.mounts.get(path)!.source.verify('source', live), false, path);
      assert.equal(await creds.mounts.get(path)!.source.verify('aircheck-bridge', ''), false, path);
    }
    assert.equal(await creds.mounts.get('/live')!.source.verify('aircheck-bridge', live), false, 'the internal user is gone from every mount');
    assert.equal(await creds.mounts.get('/live')!.source.verify('source', live), true);
    assert.ok(!creds.generated.some((g) => /\.mp3/.test(g.what)), 'nothing generated for companions');
    assert.ok(!('internalSource' in creds));
  });

  it('gives /test.mp3 the listener token of /test', async () => {
    const creds = await resolveCredentials(configFor(freshDataDir()));
    const token = creds.mounts.get('/test')!.listenerToken!;
    assert.equal(creds.listenerTokenOk('/test.mp3', token), true);
    assert.equal(creds.listenerTokenOk('/test.mp3', 'wrong-token-123'), false);
  });

  it('a credentials.json from before (the internal credential was never stored in it) loads unchanged, its secrets still accepted', async () => {
    const dataDir = freshDataDir();
    const first = await resolveCredentials(configFor(dataDir));
    const live = generatedSecret(first, /source password for \/live/);
    const file = join(dataDir, 'credentials.json');
    const before = readFileSync(file, 'utf8');
    const again = await resolveCredentials(configFor(dataDir));
    assert.deepEqual(again.generated, [], 'nothing new generated');
    assert.equal(readFileSync(file, 'utf8'), before, 'the file is not rewritten');
    assert.equal(await again.mounts.get('/live')!.source.verify('source', live), true);
  });
});

describe('the global source password of dynamic mounts', () => {
  it('is null when unset, and never generated', async () => {
    const creds = await resolveCredentials(configFor(freshDataDir()));
    assert.equal(creds.dynamicSource, null);
    assert.ok(!creds.generated.some((g) => /dynamic/i.test(g.what)));
  });

  it('is hashed at load and checks user and password', async () => {
    const dataDir = freshDataDir();
    const creds = await resolveCredentials(configFor(dataDir, { AIRCHECK_DYNAMIC_MOUNTS_SOURCE_PASSWORD: 'global-pass-1' }));
    assert.ok(creds.dynamicSource);
    assert.equal(creds.dynamicSource.user, 'source');
    assert.equal(await creds.dynamicSource.verify('source', 'global-pass-1'), true);
    assert.equal(await creds.dynamicSource.verify('source', 'global-pass-2'), false);
    assert.equal(await creds.dynamicSource.verify('admin', 'global-pass-1'), false);
    assert.ok(!readFileSync(join(dataDir, 'credentials.json'), 'utf8').includes('global-pass-1'), 'not stored');
  });
});
