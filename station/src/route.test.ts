// The station page's addresses: `/` and `/?mount=/live`, read and written back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, routeHref } from './route.ts';

describe('route', () => {
  it('reads the mount page from ?mount=', () => {
    assert.deepEqual(parseRoute(''), { mount: null });
    assert.deepEqual(parseRoute('?mount=/live'), { mount: '/live' });
    assert.deepEqual(parseRoute('?mount=%2Flive'), { mount: '/live' });
    assert.deepEqual(parseRoute('?mount=live'), { mount: null }, 'not a mount path');
  });

  it('writes readable links that round-trip', () => {
    assert.equal(routeHref({ mount: '/live' }), '?mount=/live');
    assert.equal(routeHref({ mount: null }), './');
    const odd = '/a b&c';
    assert.deepEqual(parseRoute(routeHref({ mount: odd })), { mount: odd });
  });
});
