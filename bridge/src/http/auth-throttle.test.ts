import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ADDRESS_FACTOR, AuthThrottle } from './auth-throttle.ts';

const T0 = 1_700_000_000_000;
const S = 'source:/live' as const;

describe('AuthThrottle', () => {
  it('lets an address fail maxPerMinute times, then blocks it', () => {
    const throttle = new AuthThrottle(3);
    for (let i = 0; i < 3; i++) {
      assert.equal(throttle.blocked('10.0.0.1', S, T0 + i), false, `blocked after ${i} failures`);
      throttle.fail('10.0.0.1', S, T0 + i);
    }
    assert.equal(throttle.blocked('10.0.0.1', S, T0 + 10), true);
  });

  it('blocks only the address that failed', () => {
    const throttle = new AuthThrottle(2);
    throttle.fail('10.0.0.1', S, T0);
    throttle.fail('10.0.0.1', S, T0);
    assert.equal(throttle.blocked('10.0.0.1', S, T0), true);
    assert.equal(throttle.blocked('10.0.0.2', S, T0), false);
    assert.equal(throttle.blocked('::ffff:10.0.0.3', S, T0), false);
  });

  it('unblocks an address a minute after its first failure, and counts afresh', () => {
    const throttle = new AuthThrottle(2);
    throttle.fail('10.0.0.1', S, T0);
    throttle.fail('10.0.0.1', S, T0 + 30_000);
    assert.equal(throttle.blocked('10.0.0.1', S, T0 + 59_999), true);
    assert.equal(throttle.blocked('10.0.0.1', S, T0 + 60_001), false);
    throttle.fail('10.0.0.1', S, T0 + 60_002);
    assert.equal(throttle.blocked('10.0.0.1', S, T0 + 60_003), false, 'one failure in the new minute is not two');
    throttle.fail('10.0.0.1', S, T0 + 60_004);
    assert.equal(throttle.blocked('10.0.0.1', S, T0 + 60_005), true);
  });

  it('starts a new window when an old one expired without a blocked() check in between', () => {
    const throttle = new AuthThrottle(2);
    throttle.fail('10.0.0.1', S, T0);
    throttle.fail('10.0.0.1', S, T0 + 61_000);
    assert.equal(throttle.blocked('10.0.0.1', S, T0 + 61_001), false);
  });

  it('applies a changed limit (SIGHUP reload) to addresses already counted', () => {
    const throttle = new AuthThrottle(5);
    throttle.fail('10.0.0.1', S, T0);
    throttle.fail('10.0.0.1', S, T0);
    assert.equal(throttle.blocked('10.0.0.1', S, T0), false);
    throttle.maxPerMinute = 2;
    assert.equal(throttle.blocked('10.0.0.1', S, T0), true);
  });

  it('stays bounded when failures come from a huge number of addresses, forgetting the oldest first', () => {
    const throttle = new AuthThrottle(1);
    for (let i = 0; i < 12_000; i++) throttle.fail(`2001:db8::${i.toString(16)}`, S, T0 + i);
    const size = (throttle as unknown as { failures: Map<string, unknown> }).failures.size;
    assert.ok(size <= 10_000, `${size} entries tracked`);
    assert.equal(throttle.blocked(`2001:db8::${(11_999).toString(16)}`, S, T0 + 12_000), true, 'the newest address is still blocked');
  });

  it('counts per account or mount: failures on one never block the right password on another from the same address', () => {
    const throttle = new AuthThrottle(20);
    for (let i = 0; i < 20; i++) throttle.fail('10.0.0.1', 'source:/test', T0 + i);
    assert.equal(throttle.blocked('10.0.0.1', 'source:/test', T0 + 30), true, 'the guessed mount is blocked');
    assert.equal(throttle.blocked('10.0.0.1', 'source:/live', T0 + 30), false, 'another mount is not');
    assert.equal(throttle.blocked('10.0.0.1', 'admin:admin', T0 + 30), false, 'the admin account is not');
    assert.equal(throttle.blocked('10.0.0.1', 'dj:nina', T0 + 30), false, 'a DJ is not');
  });

  it('still caps an address that sprays many accounts, at ADDRESS_FACTOR times the limit', () => {
    const throttle = new AuthThrottle(2);
    for (let i = 0; i < 2 * ADDRESS_FACTOR; i++) throttle.fail('10.0.0.1', `dj:guess-${i}`, T0 + i);
    assert.equal(throttle.blocked('10.0.0.1', 'dj:someone-new', T0 + 100), true);
    assert.equal(throttle.blocked('10.0.0.2', 'dj:someone-new', T0 + 100), false);
  });
});
