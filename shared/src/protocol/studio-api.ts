// The studio's REST API on the bridge's web port (shared/PROTOCOL.md §9), as zod schemas both ends
// share: the bridge (bridge/src/studio/studio-api.ts) reads requests and types its answers with them,
// the studio (studio/src/session/session-client.ts) parses the answers, and test fakes type theirs, so
// a change on one side that the other does not follow fails the typecheck. Errors are `{code, message}`
// with a code from shared/src/errors.ts.

import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';

export const STUDIO_API = {
  /** POST LoginRequest → 200 LoginResponse; 400 DJ_ACCOUNT_INVALID, 401 DJ_LOGIN_FAILED, 429 RATE_LIMITED. */
  login: '/api/login',
  /** POST with `Authorization: Bearer <token>` → 204; 401 DJ_LOGIN_FAILED. */
  logout: '/api/logout',
  /** GET with `Authorization: Bearer <token>` → 200 SessionResponse; 401 DJ_LOGIN_FAILED. */
  session: '/api/session',
} as const;

/** The DJ name's and password's limits (the bridge refuses longer ones with DJ_ACCOUNT_INVALID). */
export const MAX_DJ_NAME_CHARS = 64;
export const MAX_DJ_PASSWORD_CHARS = 1024;

export const LoginRequestSchema = z.object({
  name: z.string().min(1, 'expected a DJ name').max(MAX_DJ_NAME_CHARS, `expected at most ${MAX_DJ_NAME_CHARS} characters`),
  password: z.string().min(1, 'expected a password').max(MAX_DJ_PASSWORD_CHARS, `expected at most ${MAX_DJ_PASSWORD_CHARS} characters`),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

const IsoTime = z.iso.datetime({ message: 'expected an ISO 8601 UTC time such as "2026-03-14T18:00:00.000Z"' });

export const LoginResponseSchema = z.object({
  /** The session token: sent as `Authorization: Bearer` and in the WebSocket hello. */
  token: z.string().regex(/^[\x21-\x7e]{16,1024}$/, 'expected a 16–1024 character token (printable ASCII)'),
  name: z.string(),
  expiresAt: IsoTime,
});
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const SessionResponseSchema = z.object({
  name: z.string(),
  expiresAt: IsoTime,
  /** Plays the private /test mount (with its token): the preview player. */
  previewUrl: z.string(),
  liveUrl: z.string(),
  liveMp3Url: z.string(),
  /** The MP3 companion's default bitrate and the ones the DJ may choose (`show.mp3BitrateKbps`, PROTOCOL.md §4.13). */
  mp3BitrateKbps: z.number().int().min(8).max(320),
  mp3BitratesKbps: z.array(z.number().int().min(8).max(320)).min(1).max(32),
});
export type SessionResponse = z.infer<typeof SessionResponseSchema>;

const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** Every failed call's body: a stable code (shared/src/errors.ts) and a message that says what to do. */
export const ApiErrorSchema = z.object({
  code: z.enum(ERROR_CODE_NAMES),
  message: z.string(),
});
export type ApiError = { code: ErrorCode; message: string };
