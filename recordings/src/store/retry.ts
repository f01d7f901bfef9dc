// Retries with bounded exponential backoff for object-store calls. The decision looks at error
// names, S3 codes, HTTP statuses and Node error codes, never at message text (BadDigest arrives
// with an empty message). Used by s3-store.ts around every request.

export interface RetryOptions {
  /** Total attempts, the first included. Default 5. */
  attempts?: number;
  /** Delay before the second attempt; doubled each time, with full jitter. Default 200 ms. */
  baseDelayMs?: number;
  /** Upper bound of one delay. Default 5000 ms. */
  maxDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each retry (for logging). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** S3 error names (= codes) worth another attempt: throttling, transient server trouble, corrupted transfer. */
const RETRYABLE_NAMES = new Set([
  'InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'RequestTimeTooSkewed',
  'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded',
  'BadDigest', 'IncompleteBody', 'XAmzContentSHA256Mismatch', 'TimeoutError', 'RequestTimeoutException',
]);
/** Node / socket error codes of a connection that broke. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN',
  'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Whether an SDK or network error is transient. */
export function isRetryableStoreError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as {
    name?: string; code?: string; cause?: unknown;
    $metadata?: { httpStatusCode?: number }; $retryable?: unknown; $response?: { statusCode?: number };
  };
  if (e.name === 'AbortError') return false;
  if (e.$retryable) return true;
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return true;
  return e.cause !== undefined && e.cause !== err ? isRetryableStoreError(e.cause) : false;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs fn until it succeeds, fails with a non-retryable error, or runs out of attempts. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, opts.attempts ?? 5);
  const base = opts.baseDelayMs ?? 200;
  const max = opts.maxDelayMs ?? 5000;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetryableStoreError(error)) throw error;
      const delayMs = Math.round(random() * Math.min(max, base * 2 ** (attempt - 1)));
      opts.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}
