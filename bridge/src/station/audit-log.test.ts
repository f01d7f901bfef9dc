// The audit log: newest first, limited, paged by id, bounded.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StationDb } from './station-db.ts';
import { AuditLog } from './audit-log.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-audit-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function fresh(maxEntries?: number) {
  const db = StationDb.open(join(root, `d${++n}`, 'station.sqlite'));
  after(() => db.close());
  let now = Date.parse('2026-12-03T10:00:00Z');
  return new AuditLog(db, { now: () => (now += 1000), ...(maxEntries ? { maxEntries } : {}) });
}

describe('AuditLog', () => {
  it('lists newest first, at most limit entries, older than beforeId when paging', () => {
    const log = fresh();
    const added = ['user.create', 'user.update', 'token.create', 'schedule.delete', 'recording.delete'].map((action, i) =>
      log.add({ actor: 'root', role: 'admin', action, target: `t${i}`, remote: '192.0.2.1', detail: { i } }));
    assert.deepEqual(added[0], { id: added[0]!.id, at: '2026-12-03T10:00:01.000Z', actor: 'root', role: 'admin', action: 'user.create', target: 't0', remote: '192.0.2.1', detail: { i: 0 } });
    assert.deepEqual(log.list({ limit: 2 }).map((e) => e.action), ['recording.delete', 'schedule.delete']);
    assert.deepEqual(log.list({ limit: 2, beforeId: added[3]!.id }).map((e) => e.action), ['token.create', 'user.update']);
    assert.deepEqual(log.list({ limit: 100, beforeId: added[1]!.id }).map((e) => e.target), ['t0']);
    assert.equal(log.list({ limit: 0 }).length, 1, 'limit is at least 1');
    assert.deepEqual(log.list({ limit: 1 })[0]!.detail, { i: 4 });
  });

  it('keeps the newest entries only', () => {
    const log = fresh(3);
    for (let i = 0; i < 5; i++) log.add({ actor: 'system', role: 'system', action: 'config.reload', target: '', remote: '', detail: { i } });
    assert.deepEqual(log.list({ limit: 10 }).map((e) => e.detail.i), [4, 3, 2]);
  });
});
