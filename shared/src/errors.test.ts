// Keeps docs/errors.md and ERROR_CODES in step: every code documented once with its HTTP status,
// and nothing documented that the code does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AircheckError, ERROR_CODES, isAircheckError } from './errors.ts';

const table = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+?) \| (.+?) \|$/gm)].map((m) => ({
  code: m[1]!,
  status: Number(m[2]),
  meaning: m[3]!,
  fix: m[4]!,
}));

test('every error code is documented in docs/errors.md with its HTTP status, meaning and fix', () => {
  for (const [code, status] of Object.entries(ERROR_CODES)) {
    const row = rows.find((r) => r.code === code);
    assert.ok(row, `${code} is missing from docs/errors.md`);
    assert.equal(row.status, status, `${code}: docs say ${row.status}, code says ${status}`);
    assert.ok(row.meaning.length > 10 && row.fix.length > 5, `${code} needs a meaning and a fix`);
  }
});

test('docs/errors.md documents no code the program does not have, and each only once', () => {
  const seen = new Set<string>();
  for (const r of rows) {
    assert.ok(r.code in ERROR_CODES, `docs/errors.md lists ${r.code}, which is not in ERROR_CODES`);
    assert.ok(!seen.has(r.code), `${r.code} is listed twice`);
    seen.add(r.code);
  }
  assert.equal(seen.size, Object.keys(ERROR_CODES).length);
});

test('an AircheckError carries its code, HTTP status and cause', () => {
  const cause = new Error('disk full');
  const err = new AircheckError('MOUNT_IN_USE', 'mount /live already has a source', { cause });
  assert.equal(err.code, 'MOUNT_IN_USE');
  assert.equal(err.httpStatus, 409);
  assert.equal(err.cause, cause);
  assert.ok(isAircheckError(err, 'MOUNT_IN_USE'));
  assert.ok(!isAircheckError(err, 'SOURCE_TIMEOUT'));
  assert.ok(!isAircheckError(new Error('x')));
});
