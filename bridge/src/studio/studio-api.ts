// The studio's HTTP API on the web port (JSON; errors as {code, message} with the error's HTTP
// status): POST /api/login, POST /api/logout, GET /api/session (with the MP3 bitrates a DJ may choose). Fed by node:http (bridge.ts routes
// /api/* here); uses the DJ accounts, the sign-in tokens and the auth throttle.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import { LoginRequestSchema, STUDIO_API, type ApiError, type LoginResponse, type SessionResponse } from '../../../shared/src/protocol/studio-api.ts';
import type { AuthThrottle } from '../http/auth-throttle.ts';
import type { DjAccounts } from '../accounts/dj-accounts.ts';
import type { StudioLogins } from '../accounts/studio-logins.ts';
import { clientAddress } from '../http/client-address.ts';

const MAX_BODY_BYTES = 4096;

export interface StudioApiDeps {
  accounts: () => DjAccounts;
  logins: StudioLogins;
  throttle: AuthThrottle;
  log: Logger;
  /** Listener URLs for the session document. */
  urls: (req: IncomingMessage) => { previewUrl: string; liveUrl: string; liveMp3Url: string };
  /** The MP3 companion's default bitrate and the ones a DJ may choose (`[studio]` in the config). */
  mp3Bitrates: () => { mp3BitrateKbps: number; mp3BitratesKbps: number[] };
}

export function createStudioApi(deps: StudioApiDeps) {
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const bearer = (req: IncomingMessage) => /^Bearer ([\x21-\x7e]{1,1024})$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
  const requireLogin = (req: IncomingMessage) => {
    const token = bearer(req);
    const login = deps.logins.check(token);
    if (!token || !login) throw new AircheckError('DJ_LOGIN_FAILED', 'no valid studio session: sign in again (POST /api/login)');
    return { token, login };
  };

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (path === STUDIO_API.login) {
        if (req.method !== 'POST') throw new AircheckError('HTTP_METHOD_NOT_ALLOWED', 'use POST /api/login with {"name","password"}');
        const remote = clientAddress(req);
        const body = await readJson(req);
        const name = typeof body.name === 'string' ? body.name : '';
        // Failures count per (address, DJ): one DJ's typos never lock out another DJ at the same station.
        const scope = `dj:${name.slice(0, 64).toLowerCase()}` as const;
        if (deps.throttle.blocked(remote, scope)) throw new AircheckError('RATE_LIMITED', 'too many failed sign-ins for this DJ from this address: wait a minute');
        const request = LoginRequestSchema.safeParse(body);
        if (!request.success) throw new AircheckError('DJ_ACCOUNT_INVALID', 'send {"name": "...", "password": "..."} as JSON');
        const dj = await deps.accounts().verify(request.data.name, request.data.password, remote);
        if (!dj) {
          deps.throttle.fail(remote, scope);
          deps.log.warn({ remote }, 'studio sign-in failed');
          throw new AircheckError('DJ_LOGIN_FAILED', 'wrong DJ name or password');
        }
        const { token, login } = deps.logins.issue(dj);
        await deps.logins.saved(); // the token survives a restart from the moment the studio has it
        deps.log.info({ dj }, 'DJ signed in');
        return json(res, 200, { token, name: dj, expiresAt: new Date(login.expiresAtMs).toISOString() } satisfies LoginResponse);
      }
      if (path === STUDIO_API.logout) {
        if (req.method !== 'POST') throw new AircheckError('HTTP_METHOD_NOT_ALLOWED', 'use POST /api/logout');
        deps.logins.revoke(requireLogin(req).token);
        await deps.logins.saved();
        res.statusCode = 204;
        return void res.end();
      }
      if (path === STUDIO_API.session) {
        if (req.method !== 'GET') throw new AircheckError('HTTP_METHOD_NOT_ALLOWED', 'use GET /api/session');
        const { login } = requireLogin(req);
        return json(res, 200, { name: login.name, expiresAt: new Date(login.expiresAtMs).toISOString(), ...deps.urls(req), ...deps.mp3Bitrates() } satisfies SessionResponse);
      }
      throw new AircheckError('HTTP_NOT_FOUND', `nothing at ${path.slice(0, 80)}: the studio API is /api/login, /api/logout, /api/session and /api/studio/ws`);
    } catch (err) {
      const error = isAircheckError(err) ? err : new AircheckError('HTTP_BAD_REQUEST', 'request failed', { cause: err });
      if (!isAircheckError(err)) deps.log.error({ err }, 'studio api failed');
      json(res, error.httpStatus, { code: error.code, message: error.message } satisfies ApiError);
    }
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new AircheckError('HTTP_BAD_REQUEST', `the body is over ${MAX_BODY_BYTES} bytes: send {"name","password"} only`);
    chunks.push(chunk as Buffer);
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new AircheckError('HTTP_BAD_REQUEST', 'the body is not a JSON object: send {"name","password"}', { cause });
  }
}
