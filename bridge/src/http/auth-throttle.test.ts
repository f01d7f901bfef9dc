import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AuthThrottle } from './auth-throttle.ts';

const T0 = 1_700_000_000_000;

describe('AuthThrottle', () => {
  it('lets an address fail maxPerMinute times, then blocks it', () => {
    const throttle = new AuthThrottle(3);
    for (let i = 0; i < 3; i++) {
      assert.equal(throttle.blocked('10.0.0.1', T0 + i), false, `blocked after ${i} failures`);
      throttle.fail('10.0.0.1', T0 + i);
    }
    assert.equal(throttle.blocked('10.0.0.1', T0 + 10), true);
  });

  it('blocks only the address that failed', () => {
    const throttle = new AuthThrottle(2);
    throttle.fail('10.0.0.1', T0);
    throttle.fail('10.0.0.1', T0);
    assert.equal(throttle.blocked('10.0.0.1', T0), true);
    assert.equal(throttle.blocked('10.0.0.2', T0), false);
    assert.equal(throttle.blocked('::ffff:10.0.0.3', T0), false);
  });

  it('unblocks an address a minute after its first failure, and counts afresh', () => {
    const throttle = new AuthThrottle(2);
    throttle.fail('10.0.0.1', T0);
    throttle.fail('10.0.0.1', T0 + 30_000);
    assert.equal(throttle.blocked('10.0.0.1', T0 + 59_999), true);
    assert.equal(throttle.blocked('10.0.0.1', T0 + 60_001), false);
    throttle.fail('10.0.0.1', T0 + 60_002);
    assert.equal(throttle.blocked('10.0.0.1', T0 + 60_003), false, 'one failure in the new minute is not two');
    throttle.fail('10.0.0.1', T0 + 60_004);
    assert.equal(throttle.blocked('10.0.0.1', T0 + 60_005), true);
  });

  it('starts a new window when an old one expired without a blocked() check in between', () => {
    const throttle = new AuthThrottle(2);
    throttle.fail('10.0.0.1', T0);
    throttle.fail('10.0.0.1', T0 + 61_000);
    assert.equal(throttle.blocked('10.0.0.1', T0 + 61_001), false);
  });

  it('applies a changed limit (SIGHUP reload) to addresses already counted', () => {
    const throttle = new AuthThrottle(5);
    throttle.fail('10.0.0.1', T0);
    throttle.fail('10.0.0.1', T0);
    assert.equal(throttle.blocked('10.0.0.1', T0), false);
    throttle.maxPerMinute = 2;
    assert.equal(throttle.blocked('10.0.0.1', T0), true);
  });

  it('stays bounded when failures come from a huge number of addresses, forgetting the oldest first', () => {
    const throttle = new AuthThrottle(1);
    for (let i = 0; i < 12_000; i++) throttle.fail(`2001:db8::${i.toString(16)}`, T0 + i);
    const size = (throttle as unknown as { failures: Map<string, unknown> }).failures.size;
    assert.ok(size <= 10_000, `${size} addresses tracked`);
    assert.equal(throttle.blocked(`2001:db8::${(11_999).toString(16)}`, T0 + 12_000), true, 'the newest address is still blocked');
  });
});
