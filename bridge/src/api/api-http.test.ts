import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { attachmentHeader, badRequest, checkCsrf, checkRawContentType, cookieValue, declaredBodyBytes, parseRange, sessionCookie } from './api-http.ts';
import { SessionRequestSchema, UserCreateSchema, AuditQuerySchema } from './api-schemas.ts';
import { MEDIA_UPLOAD_TYPES, compilePath } from './api-routes.ts';

test('a single byte range is parsed in all three forms, clamped to the size', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { start: 0, end: 999 });
  assert.deepEqual(parseRange('bytes=990-5000', 1000), { start: 990, end: 999 });
});

test('a range outside the body or malformed is not satisfiable; none, another unit or several ranges send the whole body', () => {
  assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=5-2', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=abc', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=-', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
  assert.equal(parseRange(undefined, 1000), null);
  assert.equal(parseRange('items=0-5', 1000), null);
  assert.equal(parseRange('bytes=0-1,5-6', 1000), null);
});

test('the session cookie is HttpOnly, SameSite=Strict, Path=/, with Max-Age, and Secure only over https', () => {
  assert.equal(sessionCookie('abc', 43200, false), 'aircheck_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200');
  assert.match(sessionCookie('abc', 43200, true), /; Secure$/);
  assert.match(sessionCookie('', 0, false), /Max-Age=0/);
  assert.equal(cookieValue('a=1; aircheck_session=xyz; b=2', 'aircheck_session'), 'xyz');
  assert.equal(cookieValue('aircheck_sessionx=1', 'aircheck_session'), null);
  assert.equal(cookieValue(undefined, 'aircheck_session'), null);
});

const csrfCode = (f: () => void) => {
  try {
    f();
    return 'passed';
  } catch (err) {
    return isAircheckError(err) ? err.code : 'other';
  }
};

test('a change with the cookie needs the session CSRF token and, when Origin is sent, the own origin', () => {
  const own = 'http://127.0.0.1:8000';
  assert.equal(csrfCode(() => checkCsrf({ csrfHeader: 'tok', expectedToken: 'tok', origin: own, ownOrigin: own })), 'passed');
  assert.equal(csrfCode(() => checkCsrf({ csrfHeader: 'tok', expectedToken: 'tok', origin: undefined, ownOrigin: own })), 'passed');
  assert.equal(csrfCode(() => checkCsrf({ csrfHeader: undefined, expectedToken: 'tok', origin: own, ownOrigin: own })), 'CSRF_FAILED');
  assert.equal(csrfCode(() => checkCsrf({ csrfHeader: 'tok2', expectedToken: 'tok', origin: own, ownOrigin: own })), 'CSRF_FAILED');
  assert.equal(csrfCode(() => checkCsrf({ csrfHeader: 'tok', expectedToken: 'tok', origin: 'https://evil.example', ownOrigin: own })), 'CSRF_FAILED');
  assert.equal(csrfCode(() => checkCsrf({ csrfHeader: 'tok', expectedToken: 'tok', origin: 'null', ownOrigin: own })), 'CSRF_FAILED');
});

test('a download name is safe in a header: no quotes, slashes or control characters', () => {
  const h = attachmentHeader('Night "Show"/..\\\r\n 2026.ogg');
  assert.ok(!/[\r\n]/.test(h));
  assert.match(h, /^attachment; filename="Night _Show__\.\.___ 2026\.ogg"; filename\*=UTF-8''/);
});

test('an invalid request names where, the field and the value (never a password)', () => {
  const input = { name: 'x y', role: 'dj', password: 'short' };
  const r = UserCreateSchema.safeParse(input);
  assert.ok(!r.success);
  const err = badRequest('body', r.error, input);
  assert.equal(err.code, 'API_BAD_REQUEST');
  assert.match(err.message, /body field "name" is invalid: .*got "x y"/);
  const p = { name: 'good', role: 'dj', password: 'short' };
  const pr = UserCreateSchema.safeParse(p);
  assert.ok(!pr.success);
  const perr = badRequest('body', pr.error, p);
  assert.match(perr.message, /field "password".*\(not shown\)/);
  assert.ok(!perr.message.includes('short'));
  const extra = SessionRequestSchema.safeParse({ name: 'a', password: 'b', admin: true });
  assert.ok(!extra.success);
  assert.match(badRequest('body', extra.error, {}).message, /admin/);
  const q = AuditQuerySchema.safeParse({ limit: '0' });
  assert.ok(!q.success);
  assert.match(badRequest('query', q.error, { limit: '0' }).message, /query field "limit" is invalid: .*got "0"/);
  assert.ok(z.object({}).safeParse({}).success);
});

test('route templates match one path segment per parameter', () => {
  const m = compilePath('/api/v1/users/{name}');
  assert.deepEqual(m('/api/v1/users/dj.one'), { name: 'dj.one' });
  assert.equal(m('/api/v1/users/a/b'), null);
  assert.equal(m('/api/v1/users/'), null);
  assert.deepEqual(compilePath('/api/v1/recordings/{showId}/rendition.mp3')('/api/v1/recordings/x/rendition.mp3'), { showId: 'x' });
  assert.equal(compilePath('/api/v1/recordings/{showId}/rendition.mp3')('/api/v1/recordings/x/renditionxmp3'), null);
});

test('a media upload carries an audio Content-Type (or Ogg, or octet-stream); JSON, forms and none are refused naming the header', () => {
  for (const type of ['audio/mpeg', 'audio/ogg; codecs=opus', 'Audio/MP3', 'application/ogg', 'application/octet-stream']) checkRawContentType(type, MEDIA_UPLOAD_TYPES);
  for (const type of [undefined, '', 'audio/', 'application/json', 'multipart/form-data; boundary=x', 'text/plain', 'audiox/mpeg']) {
    assert.throws(() => checkRawContentType(type, MEDIA_UPLOAD_TYPES), (e) => isAircheckError(e, 'API_BAD_REQUEST') && /header "Content-Type" is .*audio\/\*/.test(e.message), String(type));
  }
});

test('a raw body\'s declared length is its Content-Length, none when chunked, and a malformed one is refused', () => {
  assert.equal(declaredBodyBytes({ 'content-length': '123' }), 123);
  assert.equal(declaredBodyBytes({ 'content-length': '0' }), 0);
  assert.equal(declaredBodyBytes({}), null);
  assert.equal(declaredBodyBytes({ 'content-length': '5', 'transfer-encoding': 'chunked' }), null);
  assert.throws(() => declaredBodyBytes({ 'content-length': '-1' }), (e) => isAircheckError(e, 'API_BAD_REQUEST') && /Content-Length/.test(e.message));
  assert.throws(() => declaredBodyBytes({ 'content-length': '1e9' }), (e) => isAircheckError(e, 'API_BAD_REQUEST'));
});
