// Users: the one account system. Passwords hashed at rest, names unique ignoring case, bootstrap from
// credentials/config/djs.json that never overwrites what the console changed, disabled users locked out.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { hashPassword } from '../secrets/secrets.ts';
import { StationDb } from './station-db.ts';
import { Users } from './users.ts';
import { WebSessions } from './web-sessions.ts';
import { ApiTokens } from './api-tokens.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-users-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function fresh(now?: () => number) {
  const file = join(root, `d${++n}`, 'station.sqlite');
  const db = StationDb.open(file);
  after(() => db.close());
  return { file, db, users: new Users(db, now ? { now } : {}) };
}
const fileBytes = (file: string) => Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));

describe('Users', () => {
  it('creates users whose password is stored only as a scrypt hash, and verifies name and password', async () => {
    const { file, users } = fresh();
    const nina = await users.create({ name: 'nina', role: 'dj', password: 'correct horse' });
    assert.deepEqual({ ...nina, createdAt: typeof nina.createdAt }, { name: 'nina', role: 'dj', disabled: false, createdAt: 'string', lastLoginAt: null, origin: 'console' });
    assert.ok(!fileBytes(file).includes('correct horse'), 'the password is not in the database');
    assert.ok(fileBytes(file).includes('scrypt$'));
    assert.equal((await users.verify('nina', 'correct horse'))?.name, 'nina');
    assert.equal(await users.verify('nina', 'wrong horse'), null);
    assert.equal(await users.verify('nobody', 'correct horse'), null);
    assert.equal(await users.studioVerify('nina', 'correct horse', '192.0.2.1'), 'nina');
  });

  it('an unknown name costs the same scrypt as a wrong password, so timing does not tell which names exist', async () => {
    const { users } = fresh();
    await users.create({ name: 'nina', role: 'dj', password: 'correct horse' });
    await users.verify('ghost', 'warm-up'); // the dummy hash is made once
    const time = async (name: string) => {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await users.verify(name, `wrong-${i}`);
        runs.push(performance.now() - t0);
      }
      return runs.sort((a, b) => a - b)[1]!;
    };
    const known = await time('nina');
    const unknown = await time('ghost');
    assert.ok(unknown > known * 0.3, `unknown ${unknown.toFixed(1)} ms vs known ${known.toFixed(1)} ms`);
  });

  it('records the sign-in time of a successful verify only', async () => {
    let now = Date.parse('2026-12-03T10:00:00Z');
    const { users } = fresh(() => now);
    await users.create({ name: 'omar', role: 'operator', password: 'operator-pass' });
    now += 60_000;
    await users.verify('omar', 'wrong-password');
    assert.equal(users.get('omar')!.lastLoginAt, null);
    await users.verify('omar', 'operator-pass');
    assert.equal(users.get('omar')!.lastLoginAt, '2026-12-03T10:01:00.000Z');
  });

  it('refuses bad input with USER_INVALID, a taken name (in any case) with USER_EXISTS, an unknown one with USER_NOT_FOUND', async () => {
    const { users } = fresh();
    await users.create({ name: 'Nina', role: 'dj', password: 'password-1' });
    await assert.rejects(users.create({ name: 'nina', role: 'dj', password: 'password-2' }), (e) => isAircheckError(e, 'USER_EXISTS'));
    await assert.rejects(users.create({ name: 'bad name', role: 'dj', password: 'password-2' }), (e) => isAircheckError(e, 'USER_INVALID') && /bad name/.test(e.message));
    await assert.rejects(users.create({ name: 'ok', role: 'root' as 'dj', password: 'password-2' }), (e) => isAircheckError(e, 'USER_INVALID') && /role/.test(e.message));
    await assert.rejects(users.create({ name: 'ok', role: 'dj', password: 'short' }), (e) => isAircheckError(e, 'USER_INVALID') && /5 characters, expected 8–1024/.test(e.message));
    await assert.rejects(users.create({ name: 'ok', role: 'dj', password: 'x'.repeat(1025) }), (e) => isAircheckError(e, 'USER_INVALID'));
    await assert.rejects(users.update('ghost', { disabled: true }), (e) => isAircheckError(e, 'USER_NOT_FOUND'));
    assert.throws(() => users.remove('ghost'), (e) => isAircheckError(e, 'USER_NOT_FOUND'));
    assert.equal((await users.verify('NINA', 'password-1'))?.name, 'Nina', 'sign-in ignores case and answers the stored spelling');
  });

  it('bootstrap never overwrites a row the console changed: a DJ whose password was reset keeps the new one', async () => {
    const { users } = fresh();
    const configHash = await hashPassword('config-pass');
    const adminHash = await hashPassword('admin-pass');
    const input = { admin: { name: 'admin', passwordHash: adminHash }, djs: [{ name: 'cfg', passwordHash: configHash }] };
    users.bootstrap(input);
    assert.deepEqual(users.list().map((u) => [u.name, u.role, u.origin]), [['admin', 'admin', 'credentials'], ['cfg', 'dj', 'config']]);
    assert.equal((await users.verify('cfg', 'config-pass'))?.name, 'cfg');

    await users.update('cfg', { password: 'reset-in-console' });
    users.bootstrap(input); // a restart with the config's old hash
    assert.equal(await users.verify('cfg', 'config-pass'), null, 'the old password stays replaced');
    assert.equal((await users.verify('cfg', 'reset-in-console'))?.name, 'cfg');

    await users.update('cfg', { disabled: true });
    users.bootstrap({ admin: input.admin, djs: [] }); // even when the config drops it, the console's row stays
    assert.equal(users.get('cfg')?.disabled, true);
  });

  it('the admin of credentials.json whose password the console changed keeps the console password: neither a restart nor a new configured password brings one back', async () => {
    const { users } = fresh();
    // A plain configured password (AIRCHECK_ADMIN_PASSWORD) is hashed again, with a new salt, at every start.
    users.bootstrap({ admin: { name: 'admin', passwordHash: await hashPassword('configured-pass') }, djs: [] });
    await users.update('admin', { password: 'changed-in-console' });
    users.bootstrap({ admin: { name: 'admin', passwordHash: await hashPassword('configured-pass') }, djs: [] });
    users.bootstrap({ admin: { name: 'admin', passwordHash: await hashPassword('another-configured-pass') }, djs: [] });
    assert.equal(await users.verify('admin', 'configured-pass'), null, 'the configured password stays replaced');
    assert.equal(await users.verify('admin', 'another-configured-pass'), null, 'a later configured password does not take over either');
    assert.equal((await users.verify('admin', 'changed-in-console'))?.role, 'admin');
  });

  it('a row the console never touched follows its source: a new hash takes effect, a DJ dropped from the config goes', async () => {
    const { users } = fresh();
    const first = await hashPassword('first-pass');
    const second = await hashPassword('second-pass');
    users.bootstrap({ admin: { name: 'admin', passwordHash: first }, djs: [{ name: 'cfg', passwordHash: first }] });
    users.bootstrap({ admin: { name: 'admin', passwordHash: second }, djs: [{ name: 'cfg', passwordHash: second }] });
    assert.equal((await users.verify('admin', 'second-pass'))?.role, 'admin');
    assert.equal((await users.verify('cfg', 'second-pass'))?.name, 'cfg');
    assert.equal(await users.verify('cfg', 'first-pass'), null);
    users.bootstrap({ admin: { name: 'admin', passwordHash: second }, djs: [] });
    assert.equal(users.get('cfg'), null);
    users.bootstrap({ admin: null, djs: [] });
    assert.equal(users.get('admin')?.role, 'admin', 'no admin given: the admin row stays');
  });

  it('migrates djs.json entries (they win over the config for a name) and does not bring back one removed in the console', async () => {
    const { users } = fresh();
    const legacy = await hashPassword('legacy-pass');
    const config = await hashPassword('config-pass');
    const input = { admin: null, djs: [{ name: 'nina', passwordHash: config }, { name: 'cfg', passwordHash: config }], legacyDjs: [{ name: 'nina', passwordHash: legacy }, { name: 'otis', passwordHash: legacy }] };
    users.bootstrap(input);
    assert.deepEqual(users.list().map((u) => [u.name, u.origin]), [['cfg', 'config'], ['nina', 'djs.json'], ['otis', 'djs.json']]);
    assert.equal((await users.verify('nina', 'legacy-pass'))?.name, 'nina');
    users.remove('otis');
    users.bootstrap(input);
    assert.equal(users.get('otis'), null, 'removed stays removed while djs.json is unchanged');
    users.bootstrap({ admin: null, djs: input.djs }); // djs.json deleted after the migration
    assert.equal(users.get('nina')?.origin, 'djs.json', 'migrated DJs stay when djs.json goes');
  });

  it('disabled users cannot sign in and their sessions and API tokens stop working; enabling again brings the tokens back', async () => {
    const { db, users } = fresh();
    const sessions = new WebSessions(db);
    const tokens = new ApiTokens(db);
    const dj = await users.create({ name: 'dana', role: 'dj', password: 'dana-password' });
    const { sessionId } = sessions.create(dj, '192.0.2.1', 'test');
    const { token } = tokens.create('dana', 'script');
    assert.equal(sessions.check(sessionId)?.user.name, 'dana');
    assert.equal(tokens.check(token)?.name, 'dana');

    await users.update('dana', { disabled: true });
    assert.equal(await users.verify('dana', 'dana-password'), null);
    assert.equal(await users.studioVerify('dana', 'dana-password'), null);
    assert.equal(sessions.check(sessionId), null);
    assert.equal(tokens.check(token), null);
    assert.throws(() => sessions.create(users.get('dana')!, '192.0.2.1', 'test'), (e) => isAircheckError(e, 'USER_NOT_FOUND'));

    await users.update('dana', { disabled: false });
    assert.equal((await users.verify('dana', 'dana-password'))?.name, 'dana');
    assert.equal(sessions.check(sessionId), null, 'disabling ended the sessions for good');
    assert.equal(tokens.check(token)?.name, 'dana');
  });

  it('keeps one enabled admin: the last cannot be disabled, demoted or removed', async () => {
    const { users } = fresh();
    await users.create({ name: 'root', role: 'admin', password: 'admin-password' });
    await assert.rejects(users.update('root', { disabled: true }), (e) => isAircheckError(e, 'USER_INVALID') && /only enabled admin/.test(e.message));
    await assert.rejects(users.update('root', { role: 'operator' }), (e) => isAircheckError(e, 'USER_INVALID'));
    assert.throws(() => users.remove('root'), (e) => isAircheckError(e, 'USER_INVALID'));
    await users.create({ name: 'second', role: 'operator', password: 'admin-password' });
    await users.update('second', { role: 'admin' });
    await users.update('root', { role: 'operator' });
    assert.equal(users.get('root')?.role, 'operator');
  });

  it('removing a user removes its sessions and tokens', async () => {
    const { db, users } = fresh();
    const sessions = new WebSessions(db);
    const tokens = new ApiTokens(db);
    const dj = await users.create({ name: 'gone', role: 'dj', password: 'gone-password' });
    const { sessionId } = sessions.create(dj, '192.0.2.1', 'test');
    const { token } = tokens.create('gone', 'script');
    users.remove('gone');
    assert.equal(sessions.check(sessionId), null);
    assert.equal(tokens.check(token), null);
    assert.deepEqual(tokens.list(), []);
    await users.create({ name: 'gone', role: 'dj', password: 'gone-password' });
    assert.equal(sessions.check(sessionId), null, 'a new user of the same name inherits nothing');
    assert.equal(tokens.check(token), null);
  });
});
