// Sign-in for DJs against the bridge's web port: POST /api/login, POST /api/logout, GET /api/session.
// Fed by the sign-in form; feeds the uplink its token and the preview player its URL. The studio
// holds a session token only, never a source password. fetch is given, so node tests fake it.

import type { ErrorCode } from '../../../shared/src/errors.ts';
import {
  ApiErrorSchema, LoginResponseSchema, STUDIO_API, SessionResponseSchema, type LoginRequest, type LoginResponse, type SessionResponse,
} from '../../../shared/src/protocol/studio-api.ts';
import type { z } from 'zod';

export type SignedIn = LoginResponse;
export type SessionInfo = SessionResponse;

/** A refused sign-in or an expired session: code from the bridge's `{code, message}` body. */
export class SessionError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string, status: number) {
    super(message);
    this.name = 'SessionError';
    this.code = code;
    this.status = status;
  }
}

export class SessionClient {
  #fetch: typeof fetch;
  #base: string;

  /** baseUrl: the bridge's web origin ('' for the page's own origin). */
  constructor(baseUrl = '', fetchFn: typeof fetch = (...args) => fetch(...args)) {
    this.#base = baseUrl.replace(/\/$/, '');
    this.#fetch = fetchFn;
  }

  async login(name: string, password: string): Promise<SignedIn> {
    const request: LoginRequest = { name, password };
    const res = await this.#call(STUDIO_API.login, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
    return parseAnswer(res, LoginResponseSchema, 'sign-in');
  }

  async session(token: string): Promise<SessionInfo> {
    const res = await this.#call(STUDIO_API.session, { headers: { authorization: `Bearer ${token}` } });
    return parseAnswer(res, SessionResponseSchema, 'session');
  }

  async logout(token: string): Promise<void> {
    await this.#call(STUDIO_API.logout, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  }

  async #call(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}${path}`, init);
    } catch (err) {
      throw new SessionError('STUDIO_BRIDGE_UNREACHABLE', `cannot reach the bridge (${(err as Error).message}): check the connection and try again`, 0);
    }
    if (res.ok) return res;
    const body = ApiErrorSchema.safeParse(await res.json().catch(() => null)); // not JSON: no {code, message}
    if (body.success) throw new SessionError(body.data.code, body.data.message, res.status);
    throw new SessionError('STUDIO_BRIDGE_BAD_RESPONSE', `the bridge answered ${res.status} without an error the studio API defines: reload the page, or check a proxy in front of the bridge`, res.status);
  }
}

/** The answer's JSON body, checked against the API's schema (shared/src/protocol/studio-api.ts). */
async function parseAnswer<S extends z.ZodType>(res: Response, schema: S, what: string): Promise<z.infer<S>> {
  const body = schema.safeParse(await res.json().catch(() => null)); // not JSON: fails the schema
  if (body.success) return body.data;
  const issue = body.error.issues[0];
  throw new SessionError('STUDIO_BRIDGE_BAD_RESPONSE',
    `the bridge's ${what} answer is not what the studio API defines (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unreadable'}): reload the page`, res.status);
}
