// Password hashing and constant-time secret checks. Fed by credentials.ts (stored and configured
// secrets); feeds every authenticating edge (sources, admin, private listeners).
import { randomBytes, scrypt as scryptCb, timingSafeEqual, createHash, createHmac } from 'node:crypto';
import { KdfQueue } from './kdf-queue.ts';

const SCRYPT_N = 16384;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const KEY_BYTES = 32;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, KEY_BYTES, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P);
  return ['scrypt', SCRYPT_N, SCRYPT_R, SCRYPT_P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export function isPasswordHash(value: string): boolean {
  return /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/.test(value);
}

/**
 * Every scrypt check waits its turn here: a few at a time (each takes ~16 MiB and tens of ms of a
 * thread, on purpose), a bounded queue, and a bounded share per client, so a flood of requests with
 * made-up passwords is refused at once (AUTH_BUSY) instead of queueing without end, and one client
 * never keeps another's login waiting.
 */
export const kdfQueue = new KdfQueue({ concurrency: 2, maxQueued: 256, maxPerClient: 32 });

/**
 * Recently verified (hash, password) pairs, as HMACs under a per-process key, so a client that
 * reconnects with the right password (libshout's probe, Liquidsoap's metadata connections, a source
 * reconnecting) does not pay scrypt again. Successes only: a wrong password always costs the KDF.
 */
const VERIFIED_TTL_MS = 10 * 60_000;
const VERIFIED_MAX = 1024;
const VERIFIED_KEY = randomBytes(32);
const verified = new Map<string, number>();

function verifiedTag(password: string, stored: string): string {
  return createHmac('sha256', VERIFIED_KEY).update(stored).update('\0').update(password).digest('base64url');
}

/**
 * Checks a password against a stored hash (the comparison in constant time). `client` (an address)
 * bounds how many checks one client may have waiting. Throws AUTH_BUSY when too many are waiting.
 */
export async function verifyPassword(password: string, stored: string, client = 'local'): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(keyB64, 'base64url');
  if (password.length > 1024) return false;
  const tag = verifiedTag(password, stored);
  const until = verified.get(tag);
  if (until !== undefined && until > Date.now()) return true;
  const actual = await kdfQueue.run(client, () => scrypt(password, Buffer.from(saltB64, 'base64url'), Number(n), Number(r), Number(p)));
  const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
  if (ok) {
    verified.delete(tag);
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(tag, Date.now() + VERIFIED_TTL_MS);
  }
  return ok;
}


/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** A random secret that survives copy-paste and URLs: 24 characters of base64url (144 bits). */
export function generateSecret(): string {
  return randomBytes(18).toString('base64url');
}
