// The studio WebSocket's close codes as data (shared/PROTOCOL.md §8), used by both ends: the bridge
// turns an AircheckError into a close code and reason at its edge; the studio decides from the code
// (never the reason text) whether to reconnect. close-codes.test.ts keeps PROTOCOL.md's table in step.

import { isAircheckError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';

export interface CloseCodeInfo {
  /** The WebSocket close code (RFC 6455 §7.4: 4000–4999 are for applications). */
  readonly code: number;
  /** Stable name, used in logs and PROTOCOL.md. */
  readonly name: string;
  /** The close frame's reason string: fixed, short (≤ 123 bytes, RFC 6455 §5.5), no secrets. */
  readonly reason: string;
  /** Whether the studio reconnects (with backoff, resuming its session) after this close. */
  readonly retry: boolean;
  /** The AircheckError code the bridge closes with this code for; null for the RFC 6455 codes. */
  readonly errorCode: ErrorCode | null;
}

export const CLOSE_CODES: readonly CloseCodeInfo[] = Object.freeze([
  { code: 1000, name: 'SESSION_ENDED', reason: 'session ended', retry: false, errorCode: null },
  { code: 1011, name: 'INTERNAL_ERROR', reason: 'internal error', retry: true, errorCode: null },
  { code: 4000, name: 'PROTOCOL_VIOLATION', reason: 'protocol violation', retry: false, errorCode: 'STUDIO_PROTOCOL_VIOLATION' },
  { code: 4001, name: 'AUTH_FAILED', reason: 'auth failed', retry: false, errorCode: 'STUDIO_AUTH_FAILED' },
  { code: 4002, name: 'HELLO_TIMEOUT', reason: 'hello timeout', retry: true, errorCode: 'STUDIO_HELLO_TIMEOUT' },
  { code: 4003, name: 'MALFORMED_MESSAGE', reason: 'malformed message', retry: false, errorCode: 'STUDIO_MESSAGE_MALFORMED' },
  { code: 4004, name: 'MESSAGE_TOO_LARGE', reason: 'message too large', retry: false, errorCode: 'STUDIO_MESSAGE_TOO_LARGE' },
  { code: 4005, name: 'FRAME_OUT_OF_ORDER', reason: 'out-of-order frame', retry: true, errorCode: 'STUDIO_FRAME_OUT_OF_ORDER' },
  { code: 4006, name: 'PROTOCOL_UNSUPPORTED', reason: 'unsupported protocol version', retry: false, errorCode: 'STUDIO_PROTOCOL_UNSUPPORTED' },
  { code: 4007, name: 'CODEC_UNSUPPORTED', reason: 'unsupported codec config', retry: false, errorCode: 'STUDIO_CODEC_UNSUPPORTED' },
  { code: 4008, name: 'SESSION_TAKEN', reason: 'session taken over', retry: false, errorCode: 'STUDIO_SESSION_TAKEN' },
  { code: 4009, name: 'RATE_LIMITED', reason: 'rate limited', retry: true, errorCode: 'STUDIO_RATE_LIMITED' },
  { code: 4010, name: 'IDLE_TIMEOUT', reason: 'idle timeout', retry: true, errorCode: 'STUDIO_IDLE_TIMEOUT' },
  { code: 4011, name: 'SERVER_SHUTTING_DOWN', reason: 'server shutting down', retry: true, errorCode: 'SERVER_SHUTTING_DOWN' },
].map((info) => Object.freeze(info as CloseCodeInfo)));

const BY_CODE = new Map(CLOSE_CODES.map((info) => [info.code, info]));
const BY_ERROR = new Map(CLOSE_CODES.filter((i) => i.errorCode !== null).map((info) => [info.errorCode, info]));
const INTERNAL = BY_CODE.get(1011) as CloseCodeInfo;

/** The table row for a close code, or null when the code is not one of ours. */
export function closeCodeInfo(code: number): CloseCodeInfo | null {
  return BY_CODE.get(code) ?? null;
}

/**
 * The close code and reason the bridge uses for an error: the row for its AircheckError code, else
 * 1011 (internal error). Only the bridge's WebSocket edge calls this.
 */
export function closeCodeForError(err: unknown): CloseCodeInfo {
  if (isAircheckError(err)) return BY_ERROR.get(err.code) ?? INTERNAL;
  return INTERNAL;
}

/**
 * Whether the studio reconnects after a close with this code: the table's answer for our codes;
 * true for everything else (1006 is what a browser reports for a dropped connection, 1001/1012/1013
 * are restarts and overloads, and an unknown code from a newer bridge should not end a show).
 */
export function shouldReconnect(code: number): boolean {
  return closeCodeInfo(code)?.retry ?? true;
}
