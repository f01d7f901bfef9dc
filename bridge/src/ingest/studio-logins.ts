// Studio sign-in sessions: random 32-byte tokens (base64url) for signed-in DJs, 12 h, in memory,
// bounded (the oldest is dropped beyond maxTokens). Fed by POST /api/login (studio-api.ts); checked
// by /api/session and the WebSocket hello (studio-ws.ts).
import { randomBytes } from 'node:crypto';

export const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;
export const MAX_TOKENS = 10_000;

export interface Login {
  name: string;
  expiresAtMs: number;
}

export class StudioLogins {
  readonly #tokens = new Map<string, Login>();
  readonly maxTokens: number;

  constructor(maxTokens = MAX_TOKENS) {
    this.maxTokens = maxTokens;
  }

  issue(name: string, nowMs = Date.now()): { token: string; login: Login } {
    const token = randomBytes(32).toString('base64url');
    const login = { name, expiresAtMs: nowMs + TOKEN_LIFETIME_MS };
    this.#tokens.set(token, login);
    // Insertion order is issue order: drop expired and, beyond the bound, the oldest.
    for (const [t, l] of this.#tokens) {
      if (this.#tokens.size <= this.maxTokens && l.expiresAtMs > nowMs) break;
      this.#tokens.delete(t);
    }
    return { token, login };
  }

  /** The login behind a token, or null when unknown or expired. */
  check(token: string | null | undefined, nowMs = Date.now()): Login | null {
    if (!token) return null;
    const login = this.#tokens.get(token);
    if (!login) return null;
    if (login.expiresAtMs <= nowMs) {
      this.#tokens.delete(token);
      return null;
    }
    return login;
  }

  revoke(token: string): boolean {
    return this.#tokens.delete(token);
  }

  get size(): number {
    return this.#tokens.size;
  }
}
