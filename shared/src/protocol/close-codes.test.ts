// Keeps shared/PROTOCOL.md §8 and CLOSE_CODES in step, and checks the table's own rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AircheckError, ERROR_CODES } from '../errors.ts';
import { CLOSE_CODES, closeCodeForError, closeCodeInfo, shouldReconnect } from './close-codes.ts';

const doc = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('## 8. Close codes'));
const rows = [...section.matchAll(/^\| (\d{4}) \| `([A-Z_]+)` \| `([^`]+)` \| (yes|no) \| (?:`([A-Z_]+)`|—) \| (.+?) \|$/gm)]
  .map((m) => ({ code: Number(m[1]), name: m[2]!, reason: m[3]!, retry: m[4] === 'yes', errorCode: m[5] ?? null, todo: m[6]! }));

test('PROTOCOL.md §8 lists every close code with the same name, reason, retry and error code, in order', () => {
  assert.deepEqual(
    rows.map(({ todo: _todo, ...row }) => row),
    CLOSE_CODES.map((c) => ({ code: c.code, name: c.name, reason: c.reason, retry: c.retry, errorCode: c.errorCode })),
  );
  for (const row of rows) assert.ok(row.todo.length > 10, `${row.code} says what the studio does`);
});

test('close codes and names are unique, application codes are in 4000–4999, reasons fit a close frame', () => {
  assert.equal(new Set(CLOSE_CODES.map((c) => c.code)).size, CLOSE_CODES.length);
  assert.equal(new Set(CLOSE_CODES.map((c) => c.name)).size, CLOSE_CODES.length);
  for (const c of CLOSE_CODES) {
    if (c.errorCode !== null) assert.ok(c.code >= 4000 && c.code <= 4999, `${c.code} is an application code`);
    // RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the code.
    assert.ok(new TextEncoder().encode(c.reason).length <= 123, `${c.code} reason fits`);
  }
});

/**
 * Codes the bridge never sends over the WebSocket, so they have no close code: the studio raises the
 * first three itself (about the bridge's HTTP API, studio/src/session/session-client.ts, and about the
 * browser, studio/src/encode/encoder-service.ts); STUDIO_TAB_LOST is the cause of a recording's gap.
 */
const STUDIO_SIDE_ONLY = new Set(['STUDIO_BRIDGE_UNREACHABLE', 'STUDIO_BRIDGE_BAD_RESPONSE', 'STUDIO_BROWSER_UNSUPPORTED', 'STUDIO_TAB_LOST']);

test('every STUDIO_* error code the bridge can send has a close code, and every error code in the table exists', () => {
  const mapped = new Set(CLOSE_CODES.map((c) => c.errorCode));
  for (const code of STUDIO_SIDE_ONLY) assert.ok(code in ERROR_CODES, `${code} is a real code`);
  for (const code of Object.keys(ERROR_CODES).filter((c) => c.startsWith('STUDIO_') && !STUDIO_SIDE_ONLY.has(c))) {
    assert.ok(mapped.has(code as keyof typeof ERROR_CODES), `${code} has no close code`);
  }
  for (const c of CLOSE_CODES) if (c.errorCode !== null) assert.ok(c.errorCode in ERROR_CODES);
});

test('an AircheckError becomes its close code; anything else becomes 1011', () => {
  assert.equal(closeCodeForError(new AircheckError('STUDIO_FRAME_OUT_OF_ORDER', 'gap')).code, 4005);
  assert.equal(closeCodeForError(new AircheckError('SERVER_SHUTTING_DOWN', 'bye')).code, 4011);
  assert.equal(closeCodeForError(new AircheckError('MOUNT_IN_USE', 'taken')).code, 1011);
  assert.equal(closeCodeForError(new TypeError('bug')).reason, 'internal error');
});

test('the studio reconnects after a dropped connection or an unknown code, and not after a fatal one', () => {
  assert.equal(shouldReconnect(1006), true);
  assert.equal(shouldReconnect(4999), true);
  assert.equal(shouldReconnect(4005), true);
  assert.equal(shouldReconnect(4001), false);
  assert.equal(shouldReconnect(1000), false);
  assert.equal(closeCodeInfo(4999), null);
  assert.equal(closeCodeInfo(4008)?.name, 'SESSION_TAKEN');
});
