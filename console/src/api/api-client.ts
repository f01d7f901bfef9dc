// The console's only way to the bridge: fetch on /api/v1 with the session cookie (same origin),
// X-CSRF-Token on every change, JSON bodies, and errors turned into ApiError with the API's stable
// code and message. Fed by the console's state and page controllers; feeds them typed answers.
import type { Me, SessionUser } from './api-types.ts';

export const API_BASE = '/api/v1';

/** An answer that was not 2xx: the API's `{code, message}`, or a stand-in for a network failure. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/** Anything thrown, as {code, message} for display. */
export function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'CONSOLE_ERROR', message: err.message };
  return { code: 'CONSOLE_ERROR', message: String(err) };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export class ApiClient {
  #csrfToken: string | null = null;
  /** Called when the API says the session is gone (401 on anything but sign-in). */
  onSignedOut: (() => void) | null = null;

  /** Signs in: a new session cookie and the CSRF token that goes with it. */
  async signIn(name: string, password: string): Promise<Me> {
    const me = await this.#request<{ user: SessionUser; csrfToken: string }>('POST', '/session', { name, password }, { signIn: true });
    this.#csrfToken = me.csrfToken;
    return me;
  }

  async signOut(): Promise<void> {
    try {
      await this.#request('DELETE', '/session');
    } finally {
      this.#csrfToken = null;
    }
  }

  /** Who the cookie belongs to (and its CSRF token), or null with no session. */
  async me(): Promise<Me | null> {
    try {
      const me = await this.#request<Me>('GET', '/me', undefined, { signIn: true });
      this.#csrfToken = me.csrfToken;
      return me;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  }

  get<T>(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
    return this.#request<T>('GET', withQuery(path, query));
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.#request<T>('POST', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>('PATCH', path, body);
  }
  delete<T = void>(path: string, body?: unknown, query: Record<string, string | undefined> = {}): Promise<T> {
    return this.#request<T>('DELETE', withQuery(path, query), body);
  }

  /**
   * PUT of a raw body (a media file) with upload progress (fetch has none: XMLHttpRequest), the same
   * CSRF header and the same errors as every other call.
   */
  upload<T>(path: string, body: Blob, contentType: string, onProgress?: (sentBytes: number, totalBytes: number) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', `${API_BASE}${path}`);
      xhr.setRequestHeader('accept', 'application/json');
      xhr.setRequestHeader('content-type', contentType);
      if (this.#csrfToken) xhr.setRequestHeader('x-csrf-token', this.#csrfToken);
      xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : body.size);
      xhr.onerror = () => reject(new ApiError('CONSOLE_NETWORK', `the bridge did not answer PUT ${API_BASE}${path} (the connection ended during the upload)`, 0));
      xhr.onload = () => {
        try {
          resolve(this.#answer<T>('PUT', path, xhr.status, xhr.statusText, xhr.responseText, {}));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      xhr.send(body);
    });
  }

  async #request<T>(method: Method, path: string, body?: unknown, opts: { signIn?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.#csrfToken) headers['x-csrf-token'] = this.#csrfToken;
    let res: Response;
    try {
      res = await fetch(`${API_BASE}${path}`, {
        method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new ApiError('CONSOLE_NETWORK', `the bridge did not answer ${method} ${API_BASE}${path}: ${(err as Error).message}`, 0);
    }
    if (res.status === 204) return undefined as T;
    return this.#answer<T>(method, path, res.status, res.statusText, await res.text(), opts);
  }

  /** An answer's JSON, or the API's {code, message} as an ApiError. */
  #answer<T>(method: Method, path: string, status: number, statusText: string, text: string, opts: { signIn?: boolean }): T {
    const ok = status >= 200 && status < 300;
    if (status === 204) return undefined as T;
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      if (ok) throw new ApiError('CONSOLE_BAD_ANSWER', `${method} ${API_BASE}${path} answered ${status} with text that is not JSON`, status);
    }
    if (!ok) {
      const e = (json ?? {}) as { code?: unknown; message?: unknown };
      const err = new ApiError(
        typeof e.code === 'string' ? e.code : `HTTP_${status}`,
        typeof e.message === 'string' ? e.message : `${method} ${API_BASE}${path} answered ${status} ${statusText}`,
        status,
      );
      if (status === 401 && !opts.signIn) this.onSignedOut?.();
      throw err;
    }
    return json as T;
  }
}

/** `path?key=value…` without the undefined, empty and false values. */
export function withQuery(path: string, query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '' || value === false) continue;
    params.set(key, value === true ? '1' : String(value));
  }
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

/** A path segment (show id, user name, token id) made safe for a URL. */
export const seg = (s: string): string => encodeURIComponent(s);
