// Console sessions: a new random id on every sign-in, stored only as its SHA-256, a CSRF token per
// session, expiry after the lifetime, revocation (one, all of a user, on a new password).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StationDb } from './station-db.ts';
import { Users } from './users.ts';
import { MAX_SESSIONS_PER_USER, SESSION_LIFETIME_MS, WebSessions, sessionIdHash } from './web-sessions.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-sessions-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
async function fresh() {
  const file = join(root, `d${++n}`, 'station.sqlite');
  const db = StationDb.open(file);
  after(() => db.close());
  const clock = { now: Date.parse('2026-12-03T10:00:00Z') };
  const users = new Users(db);
  const user = await users.create({ name: 'opal', role: 'operator', password: 'operator-pass' });
  return { file, db, users, user, clock, sessions: new WebSessions(db, { now: () => clock.now }) };
}
const fileBytes = (file: string) => Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));

describe('WebSessions', () => {
  it('gives a new random id on every sign-in and stores only its SHA-256 (the id is not in the database file)', async () => {
    const { file, db, user, sessions } = await fresh();
    const a = sessions.create(user, '192.0.2.1', 'Firefox');
    const b = sessions.create(user, '192.0.2.1', 'Firefox');
    assert.match(a.sessionId, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.sessionId, b.sessionId);
    assert.notEqual(a.session.csrfToken, b.session.csrfToken);
    const bytes = fileBytes(file);
    assert.ok(bytes.includes(sessionIdHash(a.sessionId)), 'the hash is stored (the bytes read are the right ones)');
    assert.ok(!bytes.includes(a.sessionId) && !bytes.includes(b.sessionId), 'the session id is not');
    assert.ok(!bytes.includes(a.session.csrfToken), 'nor the CSRF token');
    db.close();
    assert.ok(!fileBytes(file).includes(a.sessionId), 'not after the log is checkpointed either');
  });

  it('checks a session with its user, CSRF token and times; expires it after 12 h', async () => {
    const { user, sessions, clock } = await fresh();
    const { sessionId, session } = sessions.create(user, '192.0.2.7', 'Chromium');
    assert.deepEqual({ ...session, user: session.user.name }, {
      user: 'opal', csrfToken: session.csrfToken, createdAt: '2026-12-03T10:00:00.000Z', expiresAt: '2026-12-03T22:00:00.000Z', remote: '192.0.2.7', userAgent: 'Chromium',
    });
    assert.equal(sessions.check(sessionId)?.csrfToken, session.csrfToken, 'the same CSRF token on every check');
    clock.now += SESSION_LIFETIME_MS - 1;
    assert.equal(sessions.check(sessionId)?.user.role, 'operator');
    clock.now += 1;
    assert.equal(sessions.check(sessionId), null);
    clock.now -= 1;
    assert.equal(sessions.check(sessionId), null, 'an expired session is deleted, not just hidden');
    assert.equal(sessions.check('not-a-session'), null);
    assert.equal(sessions.check('A'.repeat(43)), null);
  });

  it('revoke ends one session, revokeAllOf and a new password end all of a user', async () => {
    const { users, user, sessions } = await fresh();
    const a = sessions.create(user, '192.0.2.1', 'x').sessionId;
    const b = sessions.create(user, '192.0.2.1', 'x').sessionId;
    sessions.revoke(a);
    assert.equal(sessions.check(a), null);
    assert.ok(sessions.check(b));
    sessions.revokeAllOf('opal');
    assert.equal(sessions.check(b), null);
    const c = sessions.create(user, '192.0.2.1', 'x').sessionId;
    await users.update('opal', { password: 'a-new-password' });
    assert.equal(sessions.check(c), null);
  });

  it('a session stops checking while its user is disabled, however the user was disabled', async () => {
    const { db, user, sessions } = await fresh();
    const { sessionId } = sessions.create(user, '192.0.2.1', 'x');
    db.db.prepare("UPDATE users SET disabled = 1 WHERE name = 'opal'").run(); // e.g. by another process on the same file
    assert.equal(sessions.check(sessionId), null);
  });

  it(`keeps at most ${MAX_SESSIONS_PER_USER} sessions per user, dropping the oldest`, async () => {
    const { user, sessions, clock } = await fresh();
    const ids: string[] = [];
    for (let i = 0; i <= MAX_SESSIONS_PER_USER; i++) {
      clock.now += 1000;
      ids.push(sessions.create(user, '192.0.2.1', 'x').sessionId);
    }
    assert.equal(sessions.check(ids[0]!), null);
    assert.ok(sessions.check(ids[1]!));
    assert.ok(sessions.check(ids.at(-1)!));
  });
});
