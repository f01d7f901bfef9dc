import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { NetworkInterfaceInfo } from 'node:os';
import { loopbackFor, servedUrls, urlHost } from './urls.ts';

const IFACES: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
  eth0: [
    { address: '10.1.2.3', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '10.1.2.3/24' },
    { address: '2001:db8::5', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: '2001:db8::5/64', scopeid: 0 },
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
  ],
};

describe('served URLs', () => {
  it('a concrete address is served as itself, IPv6 in brackets', () => {
    assert.deepEqual(servedUrls('127.0.0.1', 8000, IFACES), ['http://127.0.0.1:8000/']);
    assert.deepEqual(servedUrls('::1', 8000, IFACES), ['http://[::1]:8000/']);
    assert.equal(urlHost('::1'), '[::1]');
    assert.equal(urlHost('[::1]'), '[::1]');
  });

  it('0.0.0.0 is served on the loopback and every IPv4 interface, never printed as a bare loopback only', () => {
    assert.deepEqual(servedUrls('0.0.0.0', 8000, IFACES), ['http://127.0.0.1:8000/', 'http://10.1.2.3:8000/']);
  });

  it(':: is served on both families, link-local addresses left out', () => {
    assert.deepEqual(servedUrls('::', 8080, IFACES), ['http://[::1]:8080/', 'http://127.0.0.1:8080/', 'http://10.1.2.3:8080/', 'http://[2001:db8::5]:8080/']);
    assert.equal(loopbackFor('::'), '::1');
    assert.equal(loopbackFor('0.0.0.0'), '127.0.0.1');
  });
});
