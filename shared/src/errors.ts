// The one error type of Aircheck: a stable code per failure, a message that says what was expected,
// what arrived and what to do. Runs in the browser and in Node (no node:* imports).
// docs/errors.md documents every code; shared/src/errors.test.ts keeps the two in step.

/** Every stable error code, with the HTTP status it becomes at an HTTP edge. */
export const ERROR_CODES = {
  CONFIG_INVALID: 500,
  CONFIG_FILE_UNREADABLE: 500,
  TLS_FILES_INVALID: 500,
  DATA_DIR_UNUSABLE: 500,
  HTTP_BAD_REQUEST: 400,
  HTTP_HEADER_TOO_LARGE: 431,
  HTTP_METHOD_NOT_ALLOWED: 405,
  HTTP_TIMEOUT: 408,
  HTTP_TOO_MANY_PENDING: 503,
  HTTP_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  AUTH_BUSY: 503,
  SOURCE_AUTH_FAILED: 401,
  SOURCE_MOUNT_UNKNOWN: 404,
  MOUNT_IN_USE: 409,
  MOUNT_INVALID: 400,
  SOURCE_UNSUPPORTED_FORMAT: 415,
  SOURCE_BAD_AUDIO: 400,
  SOURCE_TIMEOUT: 408,
  SOURCE_BODY_INVALID: 400,
  SOURCE_CONNECTION_LOST: 400,
  SOURCE_LIMIT_REACHED: 503,
  SOURCE_DYNAMIC_LIMIT: 503,
  SOURCE_AWAY: 410,
  LISTENER_AUTH_FAILED: 401,
  LISTENER_LIMIT_REACHED: 503,
  LISTENER_TOO_SLOW: 503,
  MOUNT_NOT_FOUND: 404,
  MOUNT_OFFLINE: 404,
  ADMIN_AUTH_FAILED: 401,
  ADMIN_BAD_REQUEST: 400,
  ADMIN_CLIENT_NOT_FOUND: 404,
  ADMIN_UNKNOWN_COMMAND: 400,
  FALLBACK_FILE_INVALID: 500,
  SERVER_SHUTTING_DOWN: 503,
  SERVER_OVERLOADED: 503,
  STUDIO_AUTH_FAILED: 401,
  STUDIO_HELLO_TIMEOUT: 408,
  STUDIO_MESSAGE_MALFORMED: 400,
  STUDIO_MESSAGE_TOO_LARGE: 413,
  STUDIO_FRAME_OUT_OF_ORDER: 400,
  STUDIO_PROTOCOL_UNSUPPORTED: 400,
  STUDIO_PROTOCOL_VIOLATION: 400,
  STUDIO_CODEC_UNSUPPORTED: 415,
  STUDIO_SESSION_TAKEN: 409,
  STUDIO_RATE_LIMITED: 429,
  STUDIO_TAB_LOST: 410,
  STUDIO_IDLE_TIMEOUT: 408,
  SHOW_BITRATE_REFUSED: 400,
  SOURCE_PUSH_FAILED: 502,
  PUSH_REFUSED: 502,
  PUSH_UNREACHABLE: 502,
  PUSH_CONNECTION_LOST: 502,
  RELAY_UPSTREAM_REFUSED: 502,
  RELAY_UPSTREAM_UNREACHABLE: 502,
  RELAY_UPSTREAM_LOST: 502,
  RELAY_BAD_AUDIO: 502,
  RELAY_UNSUPPORTED_FORMAT: 415,
  DJ_LOGIN_FAILED: 401,
  DJ_ACCOUNT_INVALID: 400,
  DJ_EXISTS: 409,
  DJ_NOT_FOUND: 404,
  STUDIO_BRIDGE_UNREACHABLE: 502,
  STUDIO_BRIDGE_BAD_RESPONSE: 502,
  STUDIO_BROWSER_UNSUPPORTED: 501,
  REC_DISK_FULL: 507,
  REC_SPOOL_UNWRITABLE: 500,
  REC_FINALIZE_FAILED: 500,
  REC_CONSUMER_FAILED: 500,
  REC_STORE_FAILED: 502,
  REC_VERIFY_FAILED: 502,
  REC_RENDITION_FAILED: 500,
  INGEST_CONSUMER_FAILED: 500,
  ALERT_DELIVERY_FAILED: 502,
  ALERT_STATE_UNUSABLE: 500,
  LADDER_CODEC_UNAVAILABLE: 500,
  LADDER_ENCODER_FAILED: 500,
  AUTH_REQUIRED: 401,
  AUTH_FORBIDDEN: 403,
  CSRF_FAILED: 403,
  LOGIN_FAILED: 401,
  USER_INVALID: 400,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  API_TOKEN_NOT_FOUND: 404,
  API_BAD_REQUEST: 400,
  RECORDING_NOT_FOUND: 404,
  RECORDING_UNAVAILABLE: 409,
  RANGE_NOT_SATISFIABLE: 416,
  SCHEDULE_INVALID: 400,
  SCHEDULE_NOT_FOUND: 404,
  STATION_DB_FAILED: 500,
  MEDIA_TOO_LARGE: 413,
  MEDIA_EXISTS: 409,
  MEDIA_IN_USE: 409,
  PUSH_CONFLICT: 409,
  MEDIA_NOT_FOUND: 404,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AircheckError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AircheckError';
    this.code = code;
  }

  /** The HTTP status this error becomes at an HTTP edge. */
  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }
}

/** Whether value is one of ERROR_CODES (a code read back from a file or another process). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/**
 * `.catch(ignoreCleanupError)`: for cleanup that may fail without harm (closing a file handle that
 * is being abandoned, removing a temporary file, cancelling a response body). Never on a path that
 * records or reports a failure: there, log the error with its code and count it.
 */
export function ignoreCleanupError(_err: unknown): void {
  // Nothing to do: the operation this cleans up after has already succeeded or reported its own error.
}

/**
 * `.catch(failureGoesToCaller)` on a serialising chain (`this.#queue = run.catch(…)`): the caller
 * already holds `run` and receives its rejection; the chain only has to survive it.
 */
export function failureGoesToCaller(_err: unknown): void {
  // Nothing to do: the same rejection reaches the caller through the promise it was given.
}

export function isAircheckError(err: unknown, code?: ErrorCode): err is AircheckError {
  return err instanceof AircheckError && (code === undefined || err.code === code);
}
