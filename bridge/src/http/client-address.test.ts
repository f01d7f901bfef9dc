import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { clientAddress, clientProto, markClient } from './client-address.ts';

const socket = (remoteAddress: string, encrypted = false) => ({ remoteAddress, ...(encrypted ? { encrypted: true } : {}) }) as unknown as Socket;
const request = (s: Socket) => ({ socket: s, headers: {} }) as unknown as IncomingMessage;

describe('clientAddress / clientProto', () => {
  it('is the peer until the edge marks a forwarded client', () => {
    const req = request(socket('127.0.0.1'));
    assert.equal(clientAddress(req), '127.0.0.1');
    assert.equal(clientProto(req), 'http');
    markClient(req, { address: '198.51.100.1', proto: 'https', forwarded: true });
    assert.equal(clientAddress(req), '198.51.100.1');
    assert.equal(clientProto(req), 'https');
  });

  it('a TLS connection is https without any header', () => {
    assert.equal(clientProto(request(socket('198.51.100.1', true))), 'https');
  });

  it('marks a stream-port socket (one request per connection)', () => {
    const s = socket('127.0.0.1');
    markClient(s, { address: '2001:db8::9', proto: null, forwarded: true });
    assert.equal(clientAddress(s), '2001:db8::9');
  });
});
