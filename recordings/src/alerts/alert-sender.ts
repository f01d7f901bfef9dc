// Delivers one alert to the configured targets: a JSON POST to the generic webhook and, when
// configured, a message through the Telegram Bot API. Each attempt has a timeout; transient failures
// (network, 408, 429, 5xx) are retried with backoff; a final failure is logged at error, never thrown.
// Fed by dead-mans-switch.ts; the fetch and the sleep are injected for tests.
import type { Logger } from 'pino';
import { ignoreCleanupError } from '../../../shared/src/errors.ts';

export type AlertKind = 'show_missed' | 'recording_failed';

/** The webhook's JSON body (snake_case, stable: receivers parse it). */
export interface Alert {
  /** Stable id of what the alert is about (dedupe key): `show:<name>@<slot start>` or `recording:<id>`. */
  id: string;
  kind: AlertKind;
  /** The scheduled show (null for a failed recording no slot names). */
  show: string | null;
  dj: string | null;
  /** ISO times of the scheduled slot (null for a failed recording). */
  slot_start: string | null;
  slot_end: string | null;
  /** What a person reads: what is wrong. */
  reason: string;
  /** The recording concerned (spool show id), when there is one. */
  recording_id: string | null;
  /** The station (server.name). */
  station: string;
  fired_at: string;
}

export interface AlertSender {
  /** Resolves when every target accepted the alert or finally failed; never rejects. */
  send(alert: Alert): Promise<void>;
  /** Aborts deliveries in flight (shutdown). */
  close(): void;
}

export interface AlertSenderOptions {
  webhookUrl?: string;
  telegram?: { botToken: string; chatId: string };
  log: Logger;
  /** Per attempt. Default 10 s. */
  attemptTimeoutMs?: number;
  /** Attempts per target, the first included. Default 5. */
  attempts?: number;
  /** Delay before the second attempt, doubled each time up to 60 s. Default 2 s. */
  baseDelayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** An alert could not be delivered to a target (ALERT_DELIVERY_FAILED, logged): count it. */
  onDeliveryFailed?: (target: 'webhook' | 'telegram') => void;
}

const TELEGRAM_API = 'https://api.telegram.org';

/** HTTP statuses worth another attempt; any other non-2xx answer is final (the request is wrong). */
const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

const abortableSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    t.unref();
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export function createAlertSender(opts: AlertSenderOptions): AlertSender {
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? abortableSleep;
  const attempts = Math.max(1, opts.attempts ?? 5);
  const baseDelayMs = opts.baseDelayMs ?? 2000;
  const timeoutMs = opts.attemptTimeoutMs ?? 10_000;
  const closing = new AbortController();

  /** One target: POST body as JSON until accepted, refused for good, out of attempts, or closed. */
  const deliver = async (target: 'webhook' | 'telegram', url: string, body: unknown, alert: Alert): Promise<void> => {
    let last = '';
    for (let attempt = 1; attempt <= attempts && !closing.signal.aborted; attempt++) {
      let retry = true;
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Aircheck' },
          body: JSON.stringify(body),
          signal: AbortSignal.any([closing.signal, AbortSignal.timeout(timeoutMs)]),
        });
        await res.body?.cancel().catch(ignoreCleanupError); // only the status matters
        if (res.ok) {
          opts.log.info({ target, alert: alert.id, attempt }, 'alert delivered');
          return;
        }
        last = `HTTP ${res.status}`;
        retry = RETRY_STATUSES.has(res.status);
      } catch (err) {
        // Never the URL: a webhook's path or a bot token is a secret.
        const e = err as Error & { cause?: { code?: string } };
        last = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.name);
      }
      if (!retry || attempt === attempts) break;
      const delayMs = Math.min(60_000, baseDelayMs * 2 ** (attempt - 1));
      opts.log.warn({ target, alert: alert.id, attempt, delayMs, error: last }, 'alert delivery failed; retrying');
      await sleep(delayMs, closing.signal);
    }
    opts.log.error({ code: 'ALERT_DELIVERY_FAILED', target, alert: alert.id, kind: alert.kind, error: last || 'shutting down' }, 'alert could not be delivered');
    opts.onDeliveryFailed?.(target);
  };

  return {
    async send(alert) {
      const jobs: Promise<void>[] = [];
      // deliver() logs and counts its own failures; anything it throws besides is a bug, reported the same way.
      const unexpected = (target: 'webhook' | 'telegram') => (err: unknown) => {
        opts.log.error({ code: 'ALERT_DELIVERY_FAILED', target, alert: alert.id, kind: alert.kind, error: (err as Error).message }, 'alert could not be delivered');
        opts.onDeliveryFailed?.(target);
      };
      if (opts.webhookUrl) jobs.push(deliver('webhook', opts.webhookUrl, alert, alert).catch(unexpected('webhook')));
      if (opts.telegram) {
        const url = `${TELEGRAM_API}/bot${opts.telegram.botToken}/sendMessage`;
        jobs.push(deliver('telegram', url, { chat_id: opts.telegram.chatId, text: telegramText(alert), disable_web_page_preview: true }, alert).catch(unexpected('telegram')));
      }
      await Promise.all(jobs);
    },
    close() {
      closing.abort();
    },
  };
}

/** The Telegram message: plain text, the reason first. */
export function telegramText(a: Alert): string {
  const lines = [`⚠️ ${a.station}: ${a.reason}`];
  if (a.show) lines.push(`Show: ${a.show}${a.dj ? ` (${a.dj})` : ''}`);
  if (a.slot_start && a.slot_end) lines.push(`Slot: ${a.slot_start} – ${a.slot_end}`);
  if (a.recording_id) lines.push(`Recording: ${a.recording_id}`);
  return lines.join('\n');
}
