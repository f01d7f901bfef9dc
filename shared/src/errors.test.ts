// Keeps docs/errors.md and ERROR_CODES in step: every code documented once with its HTTP status,
// and nothing documented that the code does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AircheckError, ERROR_CODES, isAircheckError, isErrorCode } from './errors.ts';

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

/** Every non-test .ts file under dir. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

test('every code a log field or a message names in the bridge and recordings code is in ERROR_CODES', () => {
  // Log fields are untyped JSON: `log.error({ code: 'REC_STORE_FAILED' }, …)` would slip past the
  // type checker, so the literal codes are checked here (Node's errno codes, E…, are not ours).
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const unknown: string[] = [];
  for (const dir of ['bridge/src', 'recordings/src', 'shared/src']) {
    for (const file of sources(join(root, dir))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bcode: '([A-Z][A-Z0-9_]+)'/g)) {
        if (/^E[A-Z]+$/.test(m[1]!)) continue;
        if (!isErrorCode(m[1])) unknown.push(`${file.slice(root.length)}: ${m[1]}`);
      }
    }
  }
  assert.deepEqual(unknown, [], 'codes missing from ERROR_CODES (add them there and to docs/errors.md)');
});

test('isErrorCode accepts the codes and nothing else', () => {
  assert.ok(isErrorCode('SOURCE_LIMIT_REACHED'));
  assert.ok(!isErrorCode('REC_SOMETHING_ELSE'));
  assert.ok(!isErrorCode('toString'));
  assert.ok(!isErrorCode(42));
});
