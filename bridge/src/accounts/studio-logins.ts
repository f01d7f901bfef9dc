// Studio sign-in sessions: random 32-byte tokens (base64url) for signed-in DJs, 12 h, bounded (the
// oldest is dropped beyond maxTokens). Only each token's SHA-256 is kept — in memory, looked up by
// hash, and (with a file) in `<data_dir>/studio-logins.json` (0600, written atomically) so that a
// signed-in studio keeps its token across a bridge restart or crash. Fed by POST /api/login
// (studio-api.ts); checked by /api/session and the WebSocket hello (studio-ws.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { StateFile } from './state-file.ts';

export const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;
export const MAX_TOKENS = 10_000;
export const LOGINS_FILE = 'studio-logins.json';

export interface Login {
  name: string;
  expiresAtMs: number;
}

interface StoredLogins {
  version: 1;
  /** SHA-256 of each token (hex), its DJ and expiry; issue order. */
  logins: { sha256: string; name: string; expiresAtMs: number }[];
}

export interface StudioLoginsOptions {
  /** Where the hashes persist; none: memory only. */
  file?: string | null;
  log?: Logger | null;
}

/** The key a token is kept and looked up under: its SHA-256 (the token itself is never stored). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class StudioLogins {
  /** By SHA-256 of the token: a lookup by hash reveals nothing about the token through timing. */
  readonly #tokens = new Map<string, Login>();
  readonly maxTokens: number;
  readonly #file: StateFile<StoredLogins> | null;

  constructor(maxTokens = MAX_TOKENS, opts: StudioLoginsOptions = {}) {
    this.maxTokens = maxTokens;
    this.#file = opts.file ? new StateFile<StoredLogins>(opts.file, opts.log ?? null) : null;
    const stored = this.#file?.load();
    const nowMs = Date.now();
    if (stored && stored.version === 1 && Array.isArray(stored.logins)) {
      for (const l of stored.logins) {
        if (typeof l?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(l.sha256) && typeof l.name === 'string' && typeof l.expiresAtMs === 'number' && l.expiresAtMs > nowMs) {
          this.#tokens.set(l.sha256, { name: l.name, expiresAtMs: l.expiresAtMs });
        }
      }
    }
  }

  issue(name: string, nowMs = Date.now()): { token: string; login: Login } {
    const token = randomBytes(32).toString('base64url');
    const login = { name, expiresAtMs: nowMs + TOKEN_LIFETIME_MS };
    this.#tokens.set(tokenHash(token), login);
    // Insertion order is issue order: drop expired and, beyond the bound, the oldest.
    for (const [t, l] of this.#tokens) {
      if (this.#tokens.size <= this.maxTokens && l.expiresAtMs > nowMs) break;
      this.#tokens.delete(t);
    }
    void this.#save();
    return { token, login };
  }

  /** The login behind a token, or null when unknown or expired. */
  check(token: string | null | undefined, nowMs = Date.now()): Login | null {
    if (!token) return null;
    const key = tokenHash(token);
    const login = this.#tokens.get(key);
    if (!login) return null;
    if (login.expiresAtMs <= nowMs) {
      this.#tokens.delete(key);
      void this.#save();
      return null;
    }
    return login;
  }

  revoke(token: string): boolean {
    const removed = this.#tokens.delete(tokenHash(token));
    if (removed) void this.#save();
    return removed;
  }

  /** Ends every studio sign-in of an account (its password changed, it was disabled or removed). */
  revokeAllOf(name: string): number {
    const lower = name.toLowerCase();
    let removed = 0;
    for (const [key, login] of this.#tokens) {
      if (login.name.toLowerCase() === lower) {
        this.#tokens.delete(key);
        removed++;
      }
    }
    if (removed > 0) void this.#save();
    return removed;
  }

  get size(): number {
    return this.#tokens.size;
  }

  /** Resolves when the tokens issued or revoked so far are on disk (answer a sign-in after it). */
  saved(): Promise<void> {
    return this.#file?.idle() ?? Promise.resolve();
  }

  #save(): Promise<void> {
    if (!this.#file) return Promise.resolve();
    const logins = [...this.#tokens].map(([sha256, l]) => ({ sha256, name: l.name, expiresAtMs: l.expiresAtMs }));
    return this.#file.save({ version: 1, logins });
  }
}
