import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StudioLogins, TOKEN_LIFETIME_MS } from './studio-logins.ts';

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
});
