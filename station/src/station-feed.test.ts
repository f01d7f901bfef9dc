// The station document stays current: pushed by the server's events, polled every 10 s while the
// event stream is down, the event stream reopened after a minute when the server refused it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVENTS_RETRY_MS, POLL_INTERVAL_MS, StationFeed, type EventSourceLike, type StationFeedDeps } from './station-feed.ts';

class FakeEvents implements EventSourceLike {
  readyState = 0;
  onerror: ((event: Event) => void) | null = null;
  onopen: ((event: Event) => void) | null = null;
  closed = false;
  #handlers = new Map<string, (event: MessageEvent) => void>();
  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.#handlers.set(type, listener);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  send(type: string, data: string) {
    this.#handlers.get(type)?.({ data } as MessageEvent);
  }
  fail(readyState: number) {
    this.readyState = readyState;
    this.onerror?.(new Event('error'));
  }
}

function harness(doc: (n: number) => unknown) {
  let fetches = 0;
  const events: FakeEvents[] = [];
  const timers = new Map<number, { fn: () => void; at: number }>();
  let now = 0;
  let next = 1;
  const deps: StationFeedDeps = {
    fetchJson: async () => doc(++fetches),
    openEvents: () => {
      const e = new FakeEvents();
      events.push(e);
      return e;
    },
    setTimer: (fn, ms) => {
      timers.set(next, { fn, at: now + ms });
      return next++;
    },
    clearTimer: (id) => timers.delete(id as number),
  };
  const flush = () => new Promise((r) => setImmediate(r));
  return {
    feed: new StationFeed(deps),
    events,
    get fetches() {
      return fetches;
    },
    async advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await flush();
      }
      now = until;
      await flush();
    },
    flush,
  };
}

const station = (title: string) => ({ name: 'R', description: '', mounts: [{ path: '/live', title, onAir: true, streams: [] }], today: [] });

describe('station feed', () => {
  it('loads the document, then takes each pushed one', async () => {
    const h = harness(() => station('first'));
    let changes = 0;
    h.feed.subscribe(() => changes++);
    h.feed.start();
    await h.flush();
    assert.equal(h.feed.station?.mounts[0]?.title, 'first');
    h.events[0]!.open();
    h.events[0]!.send('station', JSON.stringify(station('pushed')));
    assert.equal(h.feed.station?.mounts[0]?.title, 'pushed');
    assert.equal(h.feed.mode, 'pushed');
    assert.ok(changes >= 2);
    h.events[0]!.send('station', '{torn');
    assert.equal(h.feed.station?.mounts[0]?.title, 'pushed', 'a torn event changes nothing');
  });

  it('polls every 10 s while the event stream is down, and stops when it is back', async () => {
    const h = harness((n) => station(`poll ${n}`));
    h.feed.start();
    await h.flush();
    h.events[0]!.fail(0); // CONNECTING: EventSource retries by itself
    await h.flush();
    assert.equal(h.feed.mode, 'polling');
    const before = h.fetches;
    await h.advance(POLL_INTERVAL_MS * 3);
    assert.equal(h.fetches, before + 3, 'one GET per 10 s');
    assert.match(h.feed.station!.mounts[0]!.title, /^poll \d+$/);
    const beforeOpen = h.fetches;
    h.events[0]!.open();
    await h.advance(POLL_INTERVAL_MS * 3);
    assert.equal(h.fetches, beforeOpen + 1, 'only the catch-up load once the stream is back');
    assert.equal(h.feed.mode, 'pushed');
  });

  it('reopens a refused event stream after a minute, polling meanwhile', async () => {
    const h = harness(() => station('x'));
    h.feed.start();
    await h.flush();
    h.events[0]!.fail(2); // CLOSED: the browser gives up on it
    assert.ok(h.events[0]!.closed);
    assert.equal(h.events.length, 1);
    await h.advance(EVENTS_RETRY_MS);
    assert.equal(h.events.length, 2, 'a new event stream after a minute');
    assert.equal(h.feed.mode, 'polling');
  });

  it('says so when the document cannot be loaded', async () => {
    const h = harness(() => {
      throw new Error('HTTP 502');
    });
    h.feed.start();
    await h.flush();
    assert.match(h.feed.problem ?? '', /could not be loaded \(HTTP 502\)/);
    assert.equal(h.feed.station, null);
    h.feed.stop();
  });
});
