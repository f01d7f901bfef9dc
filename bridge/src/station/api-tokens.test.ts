// API tokens: shown once, only SHA-256 at rest, acting as an enabled owner, revocable.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { StationDb } from './station-db.ts';
import { Users } from './users.ts';
import { ApiTokens, apiTokenHash } from './api-tokens.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-tokens-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
async function fresh() {
  const file = join(root, `d${++n}`, 'station.sqlite');
  const db = StationDb.open(file);
  after(() => db.close());
  const clock = { now: Date.parse('2026-12-03T10:00:00Z') };
  const users = new Users(db);
  await users.create({ name: 'opal', role: 'operator', password: 'operator-pass' });
  await users.create({ name: 'dana', role: 'dj', password: 'dj-password' });
  return { file, db, users, clock, tokens: new ApiTokens(db, { now: () => clock.now }) };
}
const fileBytes = (file: string) => Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));

describe('ApiTokens', () => {
  it('shows a token once as ack_ + 43 base64url characters and keeps only its SHA-256', async () => {
    const { file, tokens } = await fresh();
    const { token, view } = tokens.create('opal', ' backup script ');
    assert.match(token, /^ack_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual({ ...view, id: typeof view.id }, { id: 'string', name: 'opal', label: 'backup script', createdAt: '2026-12-03T10:00:00.000Z', lastUsedAt: null });
    const bytes = fileBytes(file);
    assert.ok(bytes.includes(apiTokenHash(token)), 'the hash is stored (the bytes read are the right ones)');
    assert.ok(!bytes.includes(token) && !bytes.includes(token.slice(4)), 'the token is not');
    assert.ok(!JSON.stringify(tokens.list()).includes(token.slice(4)), 'lists never show it');
    assert.equal(tokens.check(token)?.name, 'opal');
    assert.equal(tokens.check(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`), null);
    assert.equal(tokens.check('ack_short'), null);
  });

  it('revoked tokens stop working; a user cannot revoke another\'s (API_TOKEN_NOT_FOUND)', async () => {
    const { tokens } = await fresh();
    const mine = tokens.create('dana', 'laptop');
    const theirs = tokens.create('opal', 'server');
    assert.deepEqual(tokens.list('dana').map((t) => t.label), ['laptop']);
    assert.equal(tokens.list().length, 2);
    assert.throws(() => tokens.revoke(theirs.view.id, 'dana'), (e) => isAircheckError(e, 'API_TOKEN_NOT_FOUND'));
    assert.equal(tokens.check(theirs.token)?.name, 'opal');
    tokens.revoke(mine.view.id, 'dana');
    assert.equal(tokens.check(mine.token), null);
    assert.throws(() => tokens.revoke(mine.view.id), (e) => isAircheckError(e, 'API_TOKEN_NOT_FOUND'));
    tokens.revoke(theirs.view.id);
    assert.equal(tokens.check(theirs.token), null);
  });

  it('records when a token was last used (at most once a minute) and refuses bad labels and unknown owners', async () => {
    const { tokens, clock } = await fresh();
    const { token, view } = tokens.create('dana', 'cron');
    clock.now += 5000;
    tokens.check(token);
    assert.equal(tokens.list()[0]!.lastUsedAt, '2026-12-03T10:00:05.000Z');
    clock.now += 5000;
    tokens.check(token);
    assert.equal(tokens.list()[0]!.lastUsedAt, '2026-12-03T10:00:05.000Z');
    clock.now += 60_000;
    tokens.check(token);
    assert.equal(tokens.list()[0]!.lastUsedAt, '2026-12-03T10:01:10.000Z');
    assert.equal(tokens.list()[0]!.id, view.id);
    assert.throws(() => tokens.create('dana', ''), (e) => isAircheckError(e, 'API_BAD_REQUEST'));
    assert.throws(() => tokens.create('dana', 'x'.repeat(101)), (e) => isAircheckError(e, 'API_BAD_REQUEST'));
    assert.throws(() => tokens.create('dana', 'line\nbreak'), (e) => isAircheckError(e, 'API_BAD_REQUEST'));
    assert.throws(() => tokens.create('ghost', 'x'), (e) => isAircheckError(e, 'USER_NOT_FOUND'));
  });
});
