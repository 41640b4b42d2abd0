import { pino } from 'pino';
import type { Logger as Pino } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { Logger } from '../../../ports/logger.port.js';


/** An Error anywhere in the fields is logged with its type, message and stack, not as `{}`. */
function serialized(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (fields === undefined) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value instanceof Error ? pino.stdSerializers.err(value) : value;
  return out;
}

/**
 * Structured logs with pino: one JSON object per line (`level`, `time`, the fields, `msg`), or
 * coloured lines for a person when stdout is a terminal. Lines are written asynchronously: while
 * one write is in flight the next lines gather, so a busy server writes a batch at a time instead
 * of one system call per request; pino writes what is left when the process exits.
 */
export class PinoLogger implements Logger {
  private constructor(private readonly pino: Pino) {}

  /** `level`: trace, debug, info, warn, error, fatal or silent. */
  static toStdout(level: string): PinoLogger {
    const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
    if (process.stdout.isTTY) {
      return new PinoLogger(pino(options, PinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', sync: true })));
    }
    return new PinoLogger(pino(options, pino.destination({ dest: 1, sync: false })));
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.pino.info(serialized(fields), message);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.pino.warn(serialized(fields), message);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.pino.error(serialized(fields), message);
  }

  flush(): Promise<void> {
    return new Promise((resolve) => this.pino.flush(() => resolve()));
  }
}
