import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StudioLogins, TOKEN_LIFETIME_MS, tokenHash } from './studio-logins.ts';

describe('StudioLogins', () => {
  it('issues random 32-byte base64url tokens that expire after 12 h', () => {
    const logins = new StudioLogins();
    const { token, login } = logins.issue('nina', 1000);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(login.expiresAtMs, 1000 + TOKEN_LIFETIME_MS);
    assert.equal(logins.check(token, 2000)?.name, 'nina');
    assert.equal(logins.check(token, 1000 + TOKEN_LIFETIME_MS), null);
    assert.equal(logins.check('nope', 2000), null);
  });

  it('stays bounded: beyond maxTokens the oldest token is dropped; logout revokes', () => {
    const logins = new StudioLogins(2);
    const a = logins.issue('a', 0).token;
    const b = logins.issue('b', 0).token;
    const c = logins.issue('c', 0).token;
    assert.equal(logins.size, 2);
    assert.equal(logins.check(a, 1), null);
    assert.equal(logins.check(b, 1)?.name, 'b');
    assert.ok(logins.revoke(c));
    assert.equal(logins.check(c, 1), null);
  });

  it('persists only SHA-256 hashes (0600) and a new instance on the same file accepts the tokens; revoked and expired ones are gone', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-logins-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'studio-logins.json');
    const before = new StudioLogins(10, { file });
    const kept = before.issue('nina').token;
    const revoked = before.issue('omar').token;
    before.revoke(revoked);
    await before.saved();
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(kept) && text.includes(tokenHash(kept)), 'the hash is stored, never the token');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const after = new StudioLogins(10, { file }); // a restarted bridge
    assert.equal(after.check(kept)?.name, 'nina');
    assert.equal(after.check(revoked), null);
    assert.equal(after.check(kept, Date.now() + TOKEN_LIFETIME_MS), null, 'still expires after 12 h');
    await after.saved(); // the expiry above is written out: let it finish before the directory goes
  });
  it('revokeAllOf ends every sign-in of one account (any spelling of its name) and no other', () => {
    const logins = new StudioLogins(10);
    const a = logins.issue('Nina').token;
    const b = logins.issue('Nina').token;
    const other = logins.issue('omar').token;
    assert.equal(logins.revokeAllOf('nina'), 2);
    assert.equal(logins.check(a), null);
    assert.equal(logins.check(b), null);
    assert.equal(logins.check(other)?.name, 'omar');
  });
});
