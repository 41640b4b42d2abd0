import type { Logger } from '../../../ports/logger.port.js';

type Level = 'info' | 'warn' | 'error';

/** One line per event: `<time> <level> <message> key=value ...`, values quoted when needed. */
export class ConsoleLogger implements Logger {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(line)) {}

  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  private log(level: Level, message: string, fields?: Record<string, unknown>): void {
    const parts = [new Date().toISOString(), level, message];
    for (const [key, value] of Object.entries(fields ?? {})) {
      if (value !== undefined) parts.push(`${key}=${format(value)}`);
    }
    this.write(`${parts.join(' ')}\n`);
  }
}

function format(value: unknown): string {
  const text = value instanceof Error ? (value.stack ?? value.message) : String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
