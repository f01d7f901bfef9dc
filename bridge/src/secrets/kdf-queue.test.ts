import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { KdfQueue } from './kdf-queue.ts';

/** A job that finishes when its `done()` is called. */
function gate() {
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  return { job: () => finished.then(() => true), done };
}

describe('KdfQueue', () => {
  it('runs at most `concurrency` jobs at once and starts the next as one finishes', async () => {
    const q = new KdfQueue({ concurrency: 2, maxQueued: 10, maxPerClient: 10 });
    const gates = [gate(), gate(), gate()];
    const runs = gates.map((g, i) => q.run(`c${i}`, g.job));
    await Promise.resolve();
    assert.equal(q.running, 2);
    assert.equal(q.queued, 1);
    gates[0]!.done();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    assert.equal(q.running, 2, 'the waiting job took the freed slot');
    assert.equal(q.queued, 0);
    gates[1]!.done();
    gates[2]!.done();
    await Promise.all(runs);
    assert.equal(q.running, 0);
  });

  it('refuses at once with AUTH_BUSY when the queue is full, instead of growing', async () => {
    const q = new KdfQueue({ concurrency: 1, maxQueued: 2, maxPerClient: 100 });
    const gates = Array.from({ length: 3 }, gate);
    const runs = gates.map((g, i) => q.run(`c${i}`, g.job));
    await assert.rejects(q.run('late', async () => true), (err: unknown) => isAircheckError(err, 'AUTH_BUSY') && /2 password checks are already waiting/.test(err.message));
    assert.equal(q.refused, 1);
    for (const g of gates) g.done();
    await Promise.all(runs);
    assert.equal(await q.run('late', async () => true), true, 'accepted again once the queue drained');
  });

  it('bounds one client, so a flood from one address leaves room for another', async () => {
    const q = new KdfQueue({ concurrency: 1, maxQueued: 100, maxPerClient: 3 });
    const gates = Array.from({ length: 3 }, gate);
    const runs = gates.map((g) => q.run('10.0.0.9', g.job));
    await assert.rejects(q.run('10.0.0.9', async () => true), (err: unknown) => isAircheckError(err, 'AUTH_BUSY'));
    const other = q.run('10.0.0.1', async () => 'other');
    for (const g of gates) g.done();
    assert.equal(await other, 'other');
    await Promise.all(runs);
  });

  it('frees the slot and the client share when a job throws', async () => {
    const q = new KdfQueue({ concurrency: 1, maxQueued: 1, maxPerClient: 1 });
    await assert.rejects(q.run('a', async () => { throw new Error('kdf failed'); }), /kdf failed/);
    assert.equal(q.running, 0);
    assert.equal(await q.run('a', async () => 7), 7);
  });
});
