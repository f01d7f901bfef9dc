import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trustedProxyProblem } from './trusted-proxy-entry.ts';

describe('trustedProxyProblem', () => {
  it('accepts IPv4 and IPv6 addresses and CIDRs', () => {
    for (const ok of ['10.0.0.0/8', '192.168.1.10', '127.0.0.1/32', '::1', 'fd00::/8', '2001:db8::/32', '0.0.0.0/0']) assert.equal(trustedProxyProblem(ok), null, ok);
  });
  it('names what is wrong with a bad entry', () => {
    assert.match(trustedProxyProblem('proxy.example')!, /not an address or CIDR/);
    assert.match(trustedProxyProblem('10.0.0.0/33')!, /0–32 for an IPv4 network/);
    assert.match(trustedProxyProblem('fd00::/129')!, /0–128 for an IPv6 network/);
    assert.match(trustedProxyProblem('10.0.0.0/8/1')!, /not an address or CIDR/);
    assert.match(trustedProxyProblem('10.0.0.0/x')!, /prefix length/);
  });
});
