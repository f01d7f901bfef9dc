// PullRelay against a real MountRegistry with a fake upstream, fake clock and fake timers: audio and
// ICY titles reaching the mount, the backoff (1 s doubling to 60 s, jitter, reset by a connection that
// delivered audio), typed errors for refusals and garbage (never a throw), stalls, redirects, and
// preemption by a live source with the relay taking the mount back after it leaves.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MountSchema } from '../../../../config/src/config-schema.ts';
import { MountRegistry, type RegistryObserver } from '../../mounts/mount-registry.ts';
import { InProcessSource } from '../../mounts/mount-source.ts';
import { emptyInfo } from '../../mounts/mount.ts';
import { buildIcyMetadataBlock } from '../../listeners/icy-metadata.ts';
import { BACKOFF_MAX_MS, PullRelay, relayBackoffMs, type PullRelaySettings } from './pull-relay.ts';
import type { UpstreamEnd, UpstreamEvents, UpstreamRequest } from './upstream-connection.ts';
import type { UpstreamHead } from './upstream-response.ts';

/** MPEG-1 Layer III, 128 kbps, 44.1 kHz, no padding: 417 bytes, 26.1 ms (ISO 11172-3 §2.4.2.3). */
const FRAME_BYTES = 417;
function mp3Frames(n: number): Uint8Array {
  const out = new Uint8Array(n * FRAME_BYTES);
  for (let i = 0; i < n; i++) out.set([0xff, 0xfb, 0x90, 0x44], i * FRAME_BYTES);
  return out;
}

function head(statusCode: number, headers: Record<string, string> = {}): UpstreamHead {
  return { protocol: 'HTTP/1.0', statusCode, statusText: statusCode === 200 ? 'OK' : 'Error', headers: new Map(Object.entries(headers)) };
}

interface FakeConn {
  req: UpstreamRequest;
  events: UpstreamEvents;
  closed: boolean;
  paused: boolean;
}

function setup(settings: Partial<PullRelaySettings> = {}) {
  const ended: string[] = [];
  const observer: RegistryObserver = {
    sourceStarted() {},
    sourceEnded: (m, reason) => ended.push(`${m.path}: ${reason}`),
    listenerJoined() {},
    listenerLeft() {},
    listenerMoved() {},
    bytesSent() {},
    bytesReceived() {},
  };
  const registry = new MountRegistry({
    mounts: [MountSchema.parse({ path: '/relay' })],
    limits: { maxListeners: 100, maxSources: 10, listenerQueueSeconds: 15, maxDynamicMounts: 0 },
    observer,
    fileFeedFor: () => null,
  });
  const clock = { ms: 1_000_000 };
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 0;
  const conns: FakeConn[] = [];
  const errors: string[] = [];
  const relay = new PullRelay(
    { mountPath: '/relay', url: 'http://up.example:8000/live', user: 'relay', password: 'secret-pw', onDemand: false, icyMetadata: true, ...settings },
    {
      host: registry,
      connect: (req, events) => {
        const c: FakeConn = { req, events, closed: false, paused: false };
        conns.push(c);
        return { close: () => void (c.closed = true), pause: () => void (c.paused = true), resume: () => void (c.paused = false) };
      },
      log: { info() {}, warn() {} },
      stallMs: () => 10_000,
      now: () => clock.ms,
      setTimer: (fn, ms) => {
        const t = { at: clock.ms + ms, fn, id: ++nextId };
        timers.push(t);
        return t.id;
      },
      clearTimer: (id) => {
        const i = timers.findIndex((t) => t.id === id);
        if (i >= 0) timers.splice(i, 1);
      },
      random: () => 0,
      onError: (code) => errors.push(code),
    },
  );
  /** Advances the fake clock, firing timers that come due, and ticks the registry. */
  const advance = (ms: number) => {
    const until = clock.ms + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > until) break;
      timers.shift();
      clock.ms = t.at;
      t.fn();
    }
    clock.ms = until;
    registry.tick(clock.ms);
  };
  const last = () => conns[conns.length - 1]!;
  const fail = (end: UpstreamEnd) => last().events.onEnd(end);
  return { registry, relay, clock, timers, conns, last, advance, fail, errors, ended };
}

const settle = () => new Promise<void>((r) => queueMicrotask(r));

describe('PullRelay', () => {
  it('feeds the mount the upstream MP3 and its ICY titles, with credentials and Icy-MetaData', () => {
    const s = setup();
    s.relay.start();
    assert.equal(s.relay.state, 'connecting');
    assert.equal(s.last().req.user, 'relay');
    assert.equal(s.last().req.password, 'secret-pw');
    assert.equal(s.last().req.icyMetadata, true);
    s.last().events.onHead(head(200, { 'content-type': 'audio/mpeg', 'icy-metaint': String(4 * FRAME_BYTES), 'icy-name': 'Upstream FM' }));
    const audio = mp3Frames(8);
    s.last().events.onBody(Buffer.concat([audio.subarray(0, 4 * FRAME_BYTES), buildIcyMetadataBlock('Artist - Song'), audio.subarray(4 * FRAME_BYTES)]));
    assert.equal(s.relay.state, 'connected');
    const mount = s.registry.get('/relay')!;
    assert.equal(s.registry.sourceOf('/relay')?.kind, 'relay');
    s.advance(1000);
    assert.equal(mount.format, 'mp3');
    assert.equal(mount.title, 'Artist - Song');
    assert.equal(mount.info.name, 'Upstream FM');
    const st = s.relay.status();
    assert.equal(st.state, 'connected');
    assert.equal(st.title, 'Artist - Song');
    assert.ok(st.bytesReceived > 8 * FRAME_BYTES);
    assert.equal(st.connectedSince, new Date(1_000_000).toISOString());
    assert.equal(JSON.stringify(st).includes('secret-pw'), false, 'no password in the status');
  });

  it('backs off 1, 2, 4, 8 … s to the 60 s cap while the upstream is unreachable, and starts over after a connection that delivered audio', () => {
    const s = setup();
    s.relay.start();
    const seen: number[] = [];
    for (let i = 0; i < 9; i++) {
      s.fail({ phase: 'connect', message: 'connect ECONNREFUSED' });
      const st = s.relay.status();
      assert.equal(st.state, 'waiting');
      assert.equal(st.reconnectAttempts, i + 1);
      assert.equal(st.lastError?.code, 'RELAY_UPSTREAM_UNREACHABLE');
      assert.equal(Date.parse(st.nextAttemptAt!) - s.clock.ms, st.backoffMs, 'random 0: no jitter taken off');
      seen.push(st.backoffMs);
      const conns = s.conns.length;
      s.advance(st.backoffMs - 1);
      assert.equal(s.conns.length, conns, 'no attempt before the backoff');
      s.advance(1);
      assert.equal(s.conns.length, conns + 1, 'an attempt when it is due');
    }
    assert.deepEqual(seen, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    assert.equal(s.relay.status().reconnectsTotal, 9);
    // A connection that delivers audio resets the backoff: its loss is retried after 1 s.
    s.last().events.onHead(head(200, { 'content-type': 'audio/mpeg' }));
    s.last().events.onBody(mp3Frames(4));
    assert.equal(s.relay.status().reconnectAttempts, 0);
    assert.equal(s.relay.status().backoffMs, 0);
    s.fail({ phase: 'body', message: 'the upstream closed the connection' });
    const st = s.relay.status();
    assert.equal(st.lastError?.code, 'RELAY_UPSTREAM_LOST');
    assert.equal(st.backoffMs, 1000);
    assert.equal(st.connectedSince, null);
  });

  it('takes at most a fifth off each wait at random (jitter), never past the cap', () => {
    assert.equal(relayBackoffMs(1), 1000);
    assert.equal(relayBackoffMs(30), BACKOFF_MAX_MS);
    const s = setup();
    // random 0.999: the wait is 80 % of the interval (setup's relays use random 0: the whole interval).
    const timers: number[] = [];
    const r = new PullRelay({ mountPath: '/relay', url: 'http://u/', user: null, password: null, onDemand: false, icyMetadata: false }, {
      host: s.registry, log: { info() {}, warn() {} }, stallMs: () => 10_000, now: () => 0, random: () => 0.999,
      connect: (_req, events) => { queueMicrotask(() => events.onEnd({ phase: 'connect', message: 'refused' })); return { close() {}, pause() {}, resume() {} }; },
      setTimer: (_fn, ms) => timers.push(ms), clearTimer() {},
    });
    r.start();
    return settle().then(() => {
      assert.equal(timers[0], Math.round(1000 * (1 - 0.2 * 0.999)));
      r.stop('test over');
    });
  });

  it('an HTTP error is RELAY_UPSTREAM_REFUSED naming the status; garbage and pages are typed errors, never a throw', () => {
    const s = setup();
    s.relay.start();
    s.last().events.onHead(head(404, { 'content-type': 'text/plain' }));
    assert.equal(s.relay.status().lastError?.code, 'RELAY_UPSTREAM_REFUSED');
    assert.match(s.relay.status().lastError!.message, /answered 404/);
    assert.equal(s.last().closed, true);
    s.advance(1000);
    s.last().events.onHead(head(200, { 'content-type': 'text/html' }));
    s.last().events.onBody(Buffer.from('<!doctype html><html>…'));
    assert.equal(s.relay.status().lastError?.code, 'RELAY_UNSUPPORTED_FORMAT');
    assert.match(s.relay.status().lastError!.message, /text\/html/);
    s.advance(2000);
    s.last().events.onHead(head(200, { 'content-type': 'audio/mpeg' }));
    const garbage = new Uint8Array(300_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 31) & 0x7f;
    for (let at = 0; at < garbage.length && !s.last().closed; at += 4096) s.last().events.onBody(garbage.subarray(at, at + 4096));
    assert.equal(s.relay.status().lastError?.code, 'RELAY_BAD_AUDIO');
    assert.equal(s.relay.status().state, 'waiting');
    s.advance(4000);
    s.last().events.onHead(head(200, { 'content-type': 'audio/mpeg', 'icy-metaint': 'lots' }));
    assert.equal(s.relay.status().lastError?.code, 'RELAY_BAD_AUDIO');
    assert.match(s.relay.status().lastError!.message, /icy-metaint/);
    s.advance(8000);
    s.fail({ phase: 'head', message: 'the answer is not HTTP' });
    assert.equal(s.relay.status().lastError?.code, 'RELAY_BAD_AUDIO');
    assert.deepEqual(s.errors, ['RELAY_UPSTREAM_REFUSED', 'RELAY_UNSUPPORTED_FORMAT', 'RELAY_BAD_AUDIO', 'RELAY_BAD_AUDIO', 'RELAY_BAD_AUDIO']);
    assert.equal(s.registry.sourceOf('/relay'), undefined, 'nothing bad reached the mount');
  });

  it('an upstream that stops sending is lost after the stall time; the mount plays out its queue, then has no source', () => {
    const s = setup();
    s.relay.start();
    s.last().events.onHead(head(200, { 'content-type': 'audio/mpeg' }));
    s.last().events.onBody(mp3Frames(40));
    s.advance(9_000);
    s.relay.tick(s.clock.ms);
    assert.equal(s.relay.state, 'connected');
    s.advance(1_001);
    s.relay.tick(s.clock.ms);
    assert.equal(s.relay.status().lastError?.code, 'RELAY_UPSTREAM_LOST');
    assert.match(s.relay.status().lastError!.message, /sent nothing for 10 s/);
    assert.equal(s.registry.sourceOf('/relay'), undefined);
  });

  it('follows a redirect, sending the credentials only to the configured origin', () => {
    const s = setup();
    s.relay.start();
    s.last().events.onHead(head(302, { location: 'http://cdn.example/live' }));
    assert.equal(s.conns.length, 2);
    assert.equal(s.last().req.url.href, 'http://cdn.example/live');
    assert.equal(s.last().req.user, null);
    s.last().events.onHead(head(301, { location: 'http://up.example:8000/other' }));
    assert.equal(s.last().req.user, 'relay');
    assert.equal(s.conns[0]!.closed && s.conns[1]!.closed, true);
  });

  it('gives the mount up to a live source on the same listener mount and takes it back when that source leaves', async () => {
    const s = setup();
    s.relay.start();
    s.last().events.onHead(head(200, { 'content-type': 'audio/mpeg' }));
    s.last().events.onBody(mp3Frames(20));
    s.advance(200);
    const upstream = s.last();
    // A live source (the studio, or a source client) takes the mount.
    const live = InProcessSource.claim(s.registry, { kind: 'studio', mountPath: '/relay', remoteAddress: 'studio' });
    live.start('mp3', emptyInfo());
    await settle();
    assert.equal(s.relay.state, 'preempted');
    assert.equal(upstream.closed, true, 'the upstream is let go while preempted');
    assert.equal(s.registry.sourceOf('/relay'), live);
    assert.ok(s.ended.some((e) => /preempted by a live source/.test(e)));
    s.advance(5000);
    assert.equal(s.conns.length, 1, 'no reconnect while the live source is there');
    s.relay.nudge();
    assert.equal(s.conns.length, 1);
    // The live source leaves: the relay comes back at once (no backoff) and takes the mount.
    live.end('show over');
    s.relay.nudge();
    assert.equal(s.conns.length, 2);
    assert.equal(s.relay.state, 'connecting');
    s.last().events.onHead(head(200, { 'content-type': 'audio/mpeg' }));
    s.last().events.onBody(mp3Frames(4));
    assert.equal(s.relay.state, 'connected');
    assert.equal(s.registry.sourceOf('/relay')?.kind, 'relay');
  });

  it('a relay that connects while a live source holds the mount waits preempted without claiming it', () => {
    const s = setup();
    const live = InProcessSource.claim(s.registry, { kind: 'socket', mountPath: '/relay', remoteAddress: '10.0.0.1' });
    s.relay.start();
    assert.equal(s.relay.state, 'preempted');
    assert.equal(s.conns.length, 0);
    assert.equal(s.registry.sourceOf('/relay'), live);
  });

  it('stop() closes the upstream and ends the source; nothing is retried', () => {
    const s = setup();
    s.relay.start();
    s.last().events.onHead(head(200, { 'content-type': 'audio/mpeg' }));
    s.last().events.onBody(mp3Frames(4));
    s.relay.stop('no listeners (on demand)');
    assert.equal(s.relay.state, 'stopped');
    assert.equal(s.last().closed, true);
    s.advance(120_000);
    assert.equal(s.conns.length, 1);
    assert.equal(s.registry.sourceOf('/relay'), undefined);
  });
});
