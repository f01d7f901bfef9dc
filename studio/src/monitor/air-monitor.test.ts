// The off-air monitor makes one request per play: a source switch opens the new mount once, a failed
// stream is retried with backoff and then stops with a message (regression: the old preview
// re-requested /test on every render, ~25 requests/s, once /test went away on Go live).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AirMonitor, type MonitorMedia, type MonitorSource } from './air-monitor.ts';

class FakeMedia extends EventTarget implements MonitorMedia {
  src = '';
  paused = true;
  currentTime = 0;
  error: { code: number; message: string } | null = null;
  requested: string[] = [];
  attrs = new Map<string, string>();
  /** What the next play() does. */
  nextPlay: 'ok' | 'reject' = 'ok';
  play(): Promise<void> {
    this.requested.push(this.src);
    if (this.nextPlay === 'reject') return Promise.reject(new Error('no supported source was found'));
    this.paused = false;
    queueMicrotask(() => this.dispatchEvent(new Event('playing')));
    return Promise.resolve();
  }
  pause(): void { this.paused = true; }
  load(): void {}
  removeAttribute(name: string): void { if (name === 'src') this.src = ''; }
  setAttribute(name: string, value: string): void { this.attrs.set(name, value); }
  fail(message: string): void {
    this.error = { code: 4, message };
    this.dispatchEvent(new Event('error'));
  }
}

const live: MonitorSource = { key: '/live:on-air', url: 'http://h/live', mount: '/live', label: 'Air monitor of /live' };
const test: MonitorSource = { key: '/test', url: 'http://h/test?token=t', mount: '/test', label: 'Preview of /test' };
const tick = () => new Promise((r) => setImmediate(r));

function setup(t: import('node:test').TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const media = new FakeMedia();
  let changes = 0;
  const monitor = new AirMonitor({ media, onChange: () => void changes++, now: () => 1 });
  return { media, monitor, changes: () => changes };
}

describe('AirMonitor', () => {
  it('plays the source once per start and switches to /live with one request when the show goes on air', async (t) => {
    const { media, monitor } = setup(t);
    monitor.follow(test);
    assert.equal(media.requested.length, 0, 'nothing before Listen');
    monitor.start();
    await tick();
    assert.equal(monitor.status, 'playing');
    for (let i = 0; i < 50; i++) monitor.follow({ ...test }); // renders and state changes with the same source
    assert.equal(media.requested.length, 1);
    monitor.follow(live);
    media.fail('no supported source was found'); // the old /test stream dying does not count against /live
    await tick();
    assert.deepEqual(media.requested.map((u) => new URL(u).pathname), ['/test', '/live']);
    assert.equal(monitor.status, 'playing');
    assert.equal(media.attrs.get('aria-label'), 'Air monitor of /live');
  });

  it('retries a failing stream after 1, 2 and 4 s, then stops with a message and makes no more requests', async (t) => {
    const { media, monitor } = setup(t);
    monitor.follow(test);
    media.nextPlay = 'reject';
    monitor.start();
    await tick();
    assert.equal(monitor.status, 'retrying');
    for (const delayMs of [1000, 2000, 4000]) {
      t.mock.timers.tick(delayMs - 1);
      await tick();
      const before = media.requested.length;
      t.mock.timers.tick(1);
      await tick();
      assert.equal(media.requested.length, before + 1, `a retry after ${delayMs} ms`);
    }
    assert.equal(monitor.status, 'failed');
    assert.match(monitor.error, /The monitor stopped: no supported source was found\. Press Listen to try again\./);
    t.mock.timers.tick(600_000);
    for (let i = 0; i < 50; i++) monitor.follow({ ...test });
    await tick();
    assert.equal(media.requested.length, 4, 'one play and three retries, never more');
  });

  it('stop() ends the stream and cancels a pending retry', async (t) => {
    const { media, monitor } = setup(t);
    monitor.follow(live);
    monitor.start();
    await tick();
    media.fail('network error');
    assert.equal(monitor.status, 'retrying');
    monitor.stop();
    t.mock.timers.tick(10_000);
    await tick();
    assert.equal(media.requested.length, 1);
    assert.equal(monitor.status, 'stopped');
    assert.equal(media.src, '');
  });
});
