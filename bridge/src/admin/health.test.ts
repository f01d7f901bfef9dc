import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AircheckError } from '../../../shared/src/errors.ts';
import { HealthMonitor, classifyHealth, type HealthProbes } from './health.ts';

const calm = { cpuPercent: 10, memoryPercent: 20, rssBytes: 200 * 2 ** 20, memoryLimitBytes: 1000 * 2 ** 20, eventLoopP99Ms: 2 };

describe('health', () => {
  test('each measure has its level; the worst is the process\'s, with every reason worst first', () => {
    assert.deepEqual(classifyHealth(calm), { level: 'healthy', reasons: [] });
    assert.equal(classifyHealth({ ...calm, cpuPercent: 75 }).level, 'warning');
    assert.equal(classifyHealth({ ...calm, eventLoopP99Ms: 250 }).level, 'critical');
    const r = classifyHealth({ ...calm, cpuPercent: 75, memoryPercent: 96, eventLoopP99Ms: 300 });
    assert.equal(r.level, 'overloaded');
    assert.deepEqual(r.reasons.map((x) => x.split(':')[0]), ['overloaded', 'critical', 'warning']);
    assert.match(r.reasons[0]!, /memory at 96 %/);
  });

  test('CPU is the share of all cores over the window since the last sample (worker threads count)', () => {
    let now = 0;
    let cpuUs = 0;
    const probes: HealthProbes = {
      cpuUsage: () => ({ user: cpuUs, system: 0 }), rssBytes: () => calm.rssBytes, memoryLimitBytes: () => calm.memoryLimitBytes,
      cores: () => 2, eventLoopP99Ms: () => 1, nowMs: () => now,
    };
    const h = new HealthMonitor(probes);
    now += 2000;
    cpuUs += 1_900_000; // 1.9 s of CPU in 2 s on 2 cores: 47.5 %
    assert.equal(h.sample().level, 'healthy');
    assert.equal(Math.round(h.report.cpuPercent * 10) / 10, 47.5);
    now += 2000;
    cpuUs += 3_700_000; // 92.5 %: critical
    assert.equal(h.sample().level, 'critical');
    assert.throws(() => h.refuseNewWork('a new relay'), (err: unknown) => err instanceof AircheckError && err.code === 'SERVER_OVERLOADED' && /a new relay is refused/.test(err.message));
    now += 2000;
    cpuUs += 100_000;
    assert.equal(h.sample().level, 'healthy');
    assert.doesNotThrow(() => h.refuseNewWork('a new relay'));
  });
});
