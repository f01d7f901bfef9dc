// The HTTP pieces of REST API v1 that are pure or nearly so: the session cookie, the CSRF check,
// HTTP Range parsing, bounded JSON bodies, raw upload headers (Content-Type, declared length), zod
// issues as API_BAD_REQUEST messages and safe download names. Fed by api-router.ts; unit-tested in
// api-http.test.ts.
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { AircheckError } from '../../../shared/src/errors.ts';
import { safeEqual } from '../secrets/secrets.ts';

export const SESSION_COOKIE = 'aircheck_session';
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** Set-Cookie for a session (maxAgeSeconds 0 clears it). */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure ? '; Secure' : ''}`;
}

/**
 * A state change made with the session cookie: X-CSRF-Token must be the session's token and, when the
 * browser sends Origin, it must be the request's own origin. Throws CSRF_FAILED.
 */
export function checkCsrf(input: { csrfHeader: string | undefined; expectedToken: string | null; origin: string | undefined; ownOrigin: string }): void {
  checkOrigin(input.origin, input.ownOrigin);
  if (input.expectedToken === null) return;
  if (!input.csrfHeader || !safeEqual(input.csrfHeader, input.expectedToken)) {
    throw new AircheckError('CSRF_FAILED', 'this change needs the header X-CSRF-Token with the csrfToken from POST /api/v1/session or GET /api/v1/me');
  }
}

/** When Origin is present it must be the server's own origin (a cross-site page's request is refused). */
export function checkOrigin(origin: string | undefined, ownOrigin: string): void {
  if (origin === undefined) return;
  if (origin.toLowerCase() !== ownOrigin.toLowerCase()) {
    throw new AircheckError('CSRF_FAILED', `a request from origin ${JSON.stringify(origin.slice(0, 100))} may not change anything here: use the console at ${ownOrigin}/console/`);
  }
}

export type RangeResult = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * RFC 9110 §14.2 Range for one byte range of a `size`-byte representation: `bytes=a-b`, `bytes=a-`,
 * `bytes=-n`. null: no Range (or a unit / a multi-range we ignore: the whole body is sent);
 * 'unsatisfiable': answer 416 with `Content-Range: bytes *\/size`.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return null;
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return null;
  const spec = m[1]!.trim();
  if (spec.includes(',')) return null; // several ranges: served whole (allowed by §14.2)
  const r = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
  if (!r || (r[1] === '' && r[2] === '')) return 'unsatisfiable';
  if (r[1] === '') {
    // §14.1.2 suffix range: the last n bytes
    const n = Number(r[2]);
    if (!Number.isSafeInteger(n) || n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(r[1]);
  const end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/** A Content-Disposition attachment with an ASCII fallback name and the UTF-8 one (RFC 6266, 5987). */
export function attachmentHeader(fileName: string): string {
  const clean = fileName.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 200) || 'recording';
  const ascii = clean.replace(/[^A-Za-z0-9._ -]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(clean)}`;
}

/** The request body as JSON (empty body → undefined), at most MAX_JSON_BODY_BYTES. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_JSON_BODY_BYTES) {
    req.resume();
    throw tooLarge(declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_JSON_BODY_BYTES) throw tooLarge(total);
    chunks.push(chunk);
  }
  if (total === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AircheckError('API_BAD_REQUEST', 'the body is not valid JSON: send Content-Type: application/json with a JSON object');
  }
}

/**
 * A raw upload's Content-Type checked against the route's media types (`audio/*` matches any audio
 * type; parameters such as `; codecs=opus` are ignored); API_BAD_REQUEST naming the header otherwise.
 */
export function checkRawContentType(header: string | undefined, accepted: readonly string[]): void {
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  const ok = accepted.some((a) => (a.endsWith('/*') ? type.startsWith(a.slice(0, -1)) && type.length > a.length - 1 : type === a));
  if (!ok) {
    throw new AircheckError('API_BAD_REQUEST', `header "Content-Type" is ${JSON.stringify((header ?? '').slice(0, 80))}: send the audio file itself as the body with one of ${accepted.join(', ')} (e.g. audio/mpeg for MP3)`);
  }
}

/**
 * The body's declared length: Content-Length as a number, or null when the body is chunked (its
 * size is then only known as it arrives). API_BAD_REQUEST for a Content-Length that is not a number.
 */
export function declaredBodyBytes(headers: IncomingMessage['headers']): number | null {
  const raw = headers['content-length'];
  if (raw === undefined || headers['transfer-encoding'] !== undefined) return null;
  if (!/^\d{1,16}$/.test(raw.trim())) throw new AircheckError('API_BAD_REQUEST', `header "Content-Length" is ${JSON.stringify(raw.slice(0, 40))}: expected a number of bytes`);
  return Number(raw);
}

function tooLarge(bytes: number): AircheckError {
  return new AircheckError('API_BAD_REQUEST', `the body has ${bytes} bytes or more, at most ${MAX_JSON_BODY_BYTES} are accepted: send a smaller JSON object`);
}

/** The first zod issue as API_BAD_REQUEST naming where (body, query, path), the field and the value. */
export function badRequest(where: 'body' | 'query' | 'path', error: z.ZodError, input: unknown): AircheckError {
  const issue = error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : '(the whole ' + where + ')';
  let value: unknown = input;
  for (const key of issue.path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  const shown = /password|token/i.test(field) ? '(not shown)' : JSON.stringify(value)?.slice(0, 80) ?? 'nothing';
  const extra = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  return new AircheckError('API_BAD_REQUEST', `${where} field "${field}" is invalid: ${issue.message}${extra}; got ${shown}`);
}
