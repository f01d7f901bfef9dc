// The `[alerts]` and `[[schedule]]` config sections: where the dead-man's switch sends alerts, and
// the shows it expects a verified recording of. Part of config-schema.ts;
// read by recordings' dead-man's switch (dead-mans-switch.ts, show-schedule.ts) and alert-sender.ts.
import { z } from 'zod';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
/** ISO 8601 date-time with an explicit offset: a one-off slot never depends on the server's zone. */
const ISO_WITH_OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const ScheduleEntrySchema = z
  .object({
    name: z.string().min(1).max(128).describe('the show, as alerts name it; unique'),
    dj: z.string().min(1).max(64).optional().describe('who hosts it (shown in alerts)'),
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional().describe('weekly: the days, e.g. ["mon", "wed"]'),
    start: z.string().regex(HHMM_RE, { message: 'start must be "HH:MM" (24-hour clock), e.g. "18:00"' }).optional().describe('weekly: local start time in timezone'),
    timezone: z.string().refine(isTimeZone, { message: 'unknown time zone: use an IANA name such as "Europe/Berlin" or "UTC"' }).optional().describe('weekly: IANA time zone of start (default "UTC")'),
    at: z.string().regex(ISO_WITH_OFFSET_RE, { message: 'at must be an ISO 8601 time with an offset, e.g. "2026-11-21T18:00:00Z"' })
      .refine((v) => !Number.isNaN(Date.parse(v)), { message: 'at is not a real date and time' }).optional().describe('one-off: the start'),
    duration_minutes: z.number().int().min(1).max(1440).describe('length of the slot'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const weekly = s.days !== undefined || s.start !== undefined;
    if (s.at !== undefined && weekly) {
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'a slot is either one-off (at) or weekly (days + start), not both: remove one' });
    } else if (s.at === undefined && !weekly) {
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'a slot needs either at (one-off) or days + start (weekly)' });
    } else if (weekly && (s.days === undefined || s.start === undefined)) {
      ctx.addIssue({ code: 'custom', path: [s.days === undefined ? 'days' : 'start'], message: 'a weekly slot needs both days and start' });
    }
    if (s.at !== undefined && s.timezone !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'timezone applies to weekly slots; at carries its own offset: remove timezone' });
    }
    if (s.days && new Set(s.days).size !== s.days.length) {
      ctx.addIssue({ code: 'custom', path: ['days'], message: 'a day is listed twice: list each day once' });
    }
  });

export type ScheduleEntry = z.infer<typeof ScheduleEntrySchema>;

export const ScheduleSchema = z
  .array(ScheduleEntrySchema)
  .max(1000)
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      if (seen.has(e.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `show "${e.name}" is scheduled twice: give each [[schedule]] entry its own name (one entry can list several days)` });
      seen.add(e.name);
    });
  })
  .default([]);

export const AlertsSchema = z
  .object({
    webhook_url: z
      .url({ protocol: /^https?$/, message: 'webhook_url must be an http(s) URL' })
      .optional()
      .describe('alerts are POSTed here as JSON; unset = logged (level error) and counted only'),
    grace_minutes: z.number().int().min(0).max(720).default(10).describe('how long after a scheduled show ends its recording must be verified'),
    check_interval_seconds: z.number().int().min(1).max(3600).default(30).describe('how often the schedule and the recordings are checked'),
    telegram_bot_token: z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]+$/, { message: 'telegram_bot_token must look like 123456:ABC-DEF… (from @BotFather)' })
      .optional()
      .describe('also send alerts through this Telegram bot (with telegram_chat_id)'),
    telegram_chat_id: z
      .union([z.string().regex(/^(-?\d+|@[A-Za-z0-9_]{5,})$/, { message: 'telegram_chat_id must be a numeric chat id or "@channelname"' }), z.number().int()])
      .transform(String)
      .optional()
      .describe('the chat (or "@channel") the bot writes to'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if ((a.telegram_bot_token === undefined) !== (a.telegram_chat_id === undefined)) {
      const missing = a.telegram_bot_token === undefined ? 'telegram_bot_token' : 'telegram_chat_id';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'telegram_bot_token and telegram_chat_id go together: set both or neither' });
    }
  })
  .prefault({});

export type AlertsConfig = z.infer<typeof AlertsSchema>;
