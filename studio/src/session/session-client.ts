// Sign-in for DJs against the bridge's web port: POST /api/login, POST /api/logout, GET /api/session.
// Fed by the sign-in form; feeds the uplink its token and the preview player its URL. The studio
// holds a session token only, never a source password. fetch is given, so node tests fake it.

export interface SignedIn {
  token: string;
  name: string;
  /** ISO time or epoch ms, as the bridge sends it. */
  expiresAt: string | number;
}

export interface SessionInfo {
  name: string;
  expiresAt: string | number;
  /** Plays the private /test mount (with its token): the preview player. */
  previewUrl: string;
  liveUrl: string;
  liveMp3Url: string;
}

/** A refused sign-in or an expired session: code from the bridge's `{code, message}` body. */
export class SessionError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
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
    const res = await this.#call('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
    const body = (await res.json()) as Partial<SignedIn>;
    if (typeof body.token !== 'string' || typeof body.name !== 'string') {
      throw new SessionError('STUDIO_LOGIN_BAD_RESPONSE', 'the bridge answered the sign-in without a token', res.status);
    }
    return { token: body.token, name: body.name, expiresAt: body.expiresAt ?? '' };
  }

  async session(token: string): Promise<SessionInfo> {
    const res = await this.#call('/api/session', { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as SessionInfo;
  }

  async logout(token: string): Promise<void> {
    await this.#call('/api/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  }

  async #call(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}${path}`, init);
    } catch (err) {
      throw new SessionError('STUDIO_BRIDGE_UNREACHABLE', `cannot reach the bridge (${(err as Error).message}): check the connection and try again`, 0);
    }
    if (res.ok) return res;
    let code = `HTTP_${res.status}`;
    let message = `the bridge answered ${res.status}`;
    try {
      const body = (await res.json()) as { code?: unknown; message?: unknown };
      if (typeof body.code === 'string') code = body.code;
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // not JSON: keep the status
    }
    throw new SessionError(code, message, res.status);
  }
}
