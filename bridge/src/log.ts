// The structured logger (pino): fixed messages, data in fields. Created once by main.ts.
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'aircheck' }, timestamp: pino.stdTimeFunctions.isoTime });
}
