import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hopAddress, TrustedProxies } from './trusted-proxies.ts';

const headers = (h: Record<string, string>) => (name: string) => h[name];

describe('TrustedProxies', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '::1', 'fd00::/8']);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    const c = proxies.clientOf('203.0.113.9', headers({ 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https' }));
    assert.deepEqual(c, { address: '203.0.113.9', proto: null, forwarded: false });
  });

  it('takes the client from a trusted proxy, IPv4 and IPv6, dual-stack peers included', () => {
    assert.equal(proxies.clientOf('10.1.2.3', headers({ 'x-forwarded-for': '198.51.100.1' })).address, '198.51.100.1');
    assert.equal(proxies.clientOf('::ffff:10.1.2.3', headers({ 'x-forwarded-for': '198.51.100.1' })).address, '198.51.100.1');
    assert.equal(proxies.clientOf('::1', headers({ 'x-forwarded-for': '2001:db8::7' })).address, '2001:db8::7');
    assert.equal(proxies.clientOf('fd00::2', headers({ 'x-forwarded-for': '[2001:db8::7]:4711' })).address, '2001:db8::7');
  });

  it('walks from the nearest hop and stops at the first untrusted one, so a forged left part is ignored', () => {
    // The client forged "1.1.1.1"; the trusted proxy appended the real peer it saw.
    const c = proxies.clientOf('10.0.0.1', headers({ 'x-forwarded-for': '1.1.1.1, 198.51.100.1, 10.0.0.5' }));
    assert.equal(c.address, '198.51.100.1');
  });

  it('takes the farthest hop when every hop is trusted', () => {
    assert.equal(proxies.clientOf('10.0.0.1', headers({ 'x-forwarded-for': '10.9.9.9, 10.0.0.5' })).address, '10.9.9.9');
  });

  it('stops at a hop that is not an address and keeps the last good one', () => {
    assert.equal(proxies.clientOf('10.0.0.1', headers({ 'x-forwarded-for': '198.51.100.1, unknown' })).address, '10.0.0.1');
    assert.equal(proxies.clientOf('10.0.0.1', headers({ 'x-forwarded-for': 'garbage, 10.0.0.7' })).address, '10.0.0.7');
  });

  it('reads X-Forwarded-Proto only from a trusted proxy', () => {
    assert.equal(proxies.clientOf('10.0.0.1', headers({ 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https' })).proto, 'https');
    assert.equal(proxies.clientOf('10.0.0.1', headers({ 'x-forwarded-proto': 'https' })).proto, null, 'no X-Forwarded-For: the peer is the client and nobody named its scheme');
    assert.equal(proxies.clientOf('192.0.2.1', headers({ 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https' })).proto, null);
  });

  it('prefers RFC 7239 Forwarded, with quoted IPv6 and ports', () => {
    const c = proxies.clientOf('10.0.0.1', headers({ forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.5;proto=http', 'x-forwarded-for': '192.0.2.99' }));
    assert.deepEqual(c, { address: '2001:db8:cafe::17', proto: 'https', forwarded: true });
    assert.equal(proxies.clientOf('10.0.0.1', headers({ forwarded: 'for=_hidden;proto=https' })).address, '10.0.0.1');
  });

  it('trusts nobody when the list is empty', () => {
    const none = new TrustedProxies([]);
    assert.equal(none.trusts('127.0.0.1'), false);
    assert.equal(none.clientOf('127.0.0.1', headers({ 'x-forwarded-for': '198.51.100.1' })).address, '127.0.0.1');
  });
});

describe('hopAddress', () => {
  it('strips ports, brackets and quotes', () => {
    assert.equal(hopAddress(' 198.51.100.1:5000 '), '198.51.100.1');
    assert.equal(hopAddress('"[::1]"'), '::1');
    assert.equal(hopAddress('::1'), '::1');
    assert.equal(hopAddress('example.org'), null);
  });
});
