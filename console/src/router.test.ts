import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, routeHref } from './router.ts';

test('routes parse from the hash and format back', () => {
  assert.deepEqual(parseRoute('#/recordings/20261121T180000Z-nina-1a'), { page: 'recording', id: '20261121T180000Z-nina-1a', params: {} });
  assert.deepEqual(parseRoute('#/schedule?week=2026-11-30'), { page: 'schedule', params: { week: '2026-11-30' } });
  assert.deepEqual(parseRoute(''), { page: 'recordings', params: {} });
  assert.deepEqual(parseRoute('#/nowhere'), { page: 'recordings', params: {} });
  assert.equal(routeHref({ page: 'recording', id: 'a b' }), '#/recordings/a%20b');
  assert.equal(routeHref({ page: 'schedule', params: { week: '2026-11-30' } }), '#/schedule?week=2026-11-30');
});
