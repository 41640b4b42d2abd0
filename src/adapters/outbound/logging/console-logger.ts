import type { Logger } from '../../../ports/logger.port.js';

type Level = 'info' | 'warn' | 'error';

/**
 * One line per event: `<time> <level> <message> key=value ...`, values quoted when needed.
 * Lines are gathered and written once per event-loop turn: stdout is synchronous for files and
 * pipes, and one write per request cost a busy server a measurable share of its CPU.
 */
export class ConsoleLogger implements Logger {
  private buffered: string[] = [];

  constructor(private readonly write: (text: string) => void = (text) => process.stdout.write(text)) {
    // Whatever is still gathered goes out before the process exits.
    process.once('exit', () => this.flush());
  }

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
    if (this.buffered.length === 0) setImmediate(() => this.flush());
    this.buffered.push(`${parts.join(' ')}\n`);
  }

  private flush(): void {
    if (this.buffered.length === 0) return;
    const text = this.buffered.join('');
    this.buffered = [];
    this.write(text);
  }
}

function format(value: unknown): string {
  const text = value instanceof Error ? (value.stack ?? value.message) : String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
