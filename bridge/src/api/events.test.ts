import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { EventHub } from './events.ts';

class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  status = 0;
  destroyed = false;
  writable = true;
  writableLength = 0;
  socket = null;
  writeHead(status: number) {
    this.status = status;
    return this;
  }
  write(chunk: string) {
    this.chunks.push(chunk);
    return true;
  }
  destroy() {
    this.destroyed = true;
    this.writable = false;
    this.emit('close');
  }
  events(name: string) {
    return this.chunks.filter((c) => c.startsWith(`event: ${name}\n`)).map((c) => JSON.parse(c.split('\n')[1]!.slice(6)));
  }
}

const log = { warn() {}, info() {} };
const open = (hub: EventHub, kind: 'private' | 'public' = 'private') => {
  const res = new FakeResponse();
  hub.attach(new EventEmitter() as unknown as IncomingMessage, res as unknown as ServerResponse, kind, 'http://x');
  return res;
};

test('a client gets the state at once, then only changes, at most one per interval, and keepalives', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    let live = [{ path: '/live', listeners: 0 }];
    const hub = new EventHub({ sources: { live: () => live, station: () => ({}), recordings: () => [] }, log });
    const res = open(hub);
    assert.equal(res.status, 200);
    assert.deepEqual(res.events('live'), [live]);
    mock.timers.tick(1000);
    assert.equal(res.events('live').length, 1, 'nothing changed: nothing sent');
    for (let i = 1; i <= 20; i++) {
      live = [{ path: '/live', listeners: i }];
      mock.timers.tick(50); // 20 changes a second
    }
    const sent = res.events('live').length - 1;
    assert.ok(sent >= 3 && sent <= 4, `at most 4 a second: ${sent}`);
    assert.deepEqual(res.events('live').at(-1), [{ path: '/live', listeners: 20 }], 'the last state arrives');
    mock.timers.tick(15_000);
    assert.ok(res.chunks.includes(': keepalive\n\n'));
    hub.close();
    assert.equal(res.destroyed, true);
  } finally {
    mock.timers.reset();
  }
});

test('a public client hears a change that happens before the first tick (its own player counted as a listener)', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    let listeners = 0;
    const hub = new EventHub({ sources: { live: () => [], station: () => ({ listeners }), recordings: () => [] }, log });
    const res = open(hub, 'public');
    assert.deepEqual(res.events('station'), [{ listeners: 0 }]);
    listeners = 1; // the page's player connects right after the page's event stream
    mock.timers.tick(500);
    assert.deepEqual(res.events('station'), [{ listeners: 0 }, { listeners: 1 }]);
    mock.timers.tick(2000);
    assert.equal(res.events('station').length, 2, 'nothing changed since: nothing sent');
    hub.close();
  } finally {
    mock.timers.reset();
  }
});

test('a recording that changes state or ends is announced to signed-in clients', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    let active = [{ showId: 'a', status: 'recording' }];
    const hub = new EventHub({ sources: { live: () => [], station: () => ({}), recordings: () => active }, log });
    const res = open(hub);
    active = [];
    mock.timers.tick(1000);
    assert.deepEqual(res.events('recordings'), [{ changed: ['a'] }]);
    hub.close();
  } finally {
    mock.timers.reset();
  }
});

test('past the bound of streams a new one is refused (503), and a closed client frees its place', () => {
  const hub = new EventHub({ sources: { live: () => [], station: () => ({ name: 'x' }), recordings: () => [] }, log, maxClients: 2 });
  const a = open(hub, 'public');
  open(hub);
  assert.throws(() => open(hub), (err) => isAircheckError(err) && err.httpStatus === 503);
  a.emit('close');
  assert.equal(hub.clientCount, 1);
  open(hub);
  assert.deepEqual(a.events('station'), [{ name: 'x' }]);
  hub.close();
  assert.equal(hub.clientCount, 0);
});
