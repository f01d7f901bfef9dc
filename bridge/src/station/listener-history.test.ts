// Listener history: samples per mount, kept 24 h.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StationDb } from './station-db.ts';
import { ListenerHistory } from './listener-history.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-history-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('ListenerHistory', () => {
  it('keeps 24 hours of samples per mount and deletes older ones', () => {
    const db = StationDb.open(join(root, 'station.sqlite'));
    after(() => db.close());
    const history = new ListenerHistory(db);
    const t0 = Date.parse('2026-12-03T00:00:00Z');
    const hour = 3_600_000;
    for (let h = 0; h <= 30; h++) history.sample(t0 + h * hour, { '/live': h, '/live.mp3': 100 + h });
    const live = history.series('/live', 0);
    assert.equal(live.length, 25, 'the samples of the last 24 h (both ends) remain');
    assert.deepEqual(live[0], { at: '2026-12-03T06:00:00.000Z', listeners: 6 });
    assert.deepEqual(live.at(-1), { at: '2026-12-04T06:00:00.000Z', listeners: 30 });
    assert.deepEqual(history.series('/live.mp3', t0 + 29 * hour).map((s) => s.listeners), [129, 130]);
    assert.deepEqual(history.series('/other', 0), []);
    const rows = db.db.prepare('SELECT COUNT(*) AS n FROM listener_samples').get() as { n: number };
    assert.equal(rows.n, 50, 'older rows are gone from the table, not just filtered');
  });
});
