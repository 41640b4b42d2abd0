import { pino } from 'pino';
import type { Logger as Pino } from 'pino';
import type { PinoPretty as PrettyFactory } from 'pino-pretty';
import { createRequire } from 'node:module';
import type { Logger } from '../../../ports/logger.port.js';
import { BufferedLineDestination } from './buffered-line-destination.js';
import { flatFieldsJson } from './flat-fields-json.js';

/** An Error anywhere in the fields is logged with its type, message and stack, not as `{}`. */
function serialized(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (fields === undefined) return {};
  // Most lines (one per request) hold no Error: they are passed on as they are, without a copy.
  if (!holdsError(fields)) return fields;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    out[key] = value instanceof Error ? pino.stdSerializers.err(value) : value;
  return out;
}

function holdsError(fields: Record<string, unknown>): boolean {
  for (const key in fields) if (fields[key] instanceof Error) return true;
  return false;
}

// Lines wait at most 10 ms, and a burst of up to 64 KiB goes out in one write.
const LOG_BUFFERING = { intervalMs: 10, bufferBytes: 64 * 1024 };
/**
 * For a process whose stdout other processes write to as well (cluster workers): a write to a
 * pipe of at most PIPE_BUF (4096 on Linux) bytes is never interleaved with another's, so each
 * batch of whole lines stays whole.
 */
const SHARED_LOG_BUFFERING = { intervalMs: 10, bufferBytes: 4096 };

/** How a process's log is written. */
export interface LogOptions {
  /** Fields on every line (a worker's `worker` and `pid`). */
  readonly fields?: Record<string, unknown>;
  /** Other processes write to the same stdout: keep each write whole (see SHARED_LOG_BUFFERING). */
  readonly sharedOutput?: boolean;
}

/** Where JSON lines go, one whole line (with its newline) per write. */
export interface LineSink {
  write(line: string): boolean;
}

/** pino's options for a process's log (the same for JSON lines and a terminal's pretty lines). */
function pinoOptions(level: string, log: LogOptions) {
  return { level, base: log.fields, timestamp: isoTimePerMillisecond };
}

let stampedMs = Number.NaN;
let stamp = '';

/**
 * pino's ISO time, formatted once per millisecond: a busy server writes many lines in the same
 * millisecond, and formatting a date was a visible part of each line's cost.
 */
function isoTimePerMillisecond(): string {
  const now = Date.now();
  if (now !== stampedMs) {
    stampedMs = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/**
 * Structured logs with pino: one JSON object per line (`level`, `time`, the fields, `msg`), or
 * coloured lines for a person when the stream is a terminal. Lines are gathered for a few
 * milliseconds and written together (see BufferedLineDestination), so a busy server makes one
 * write per batch instead of one per request.
 */
export class PinoLogger implements Logger {
  /**
   * `lines`: where pino writes JSON lines (not a terminal's pretty lines), for the lines made
   * here without pino's field-by-field serialization (see line).
   */
  private constructor(
    private readonly pino: Pino,
    private readonly lines?: LineSink,
  ) {}

  /** `level`: trace, debug, info, warn, error, fatal or silent. */
  static toStdout(level: string, log: LogOptions = {}): PinoLogger {
    return PinoLogger.toStream(process.stdout, 1, level, log);
  }

  /** To standard error: for `serve --ephemeral`, whose standard output carries only its ready line. */
  static toStderr(level: string, log: LogOptions = {}): PinoLogger {
    return PinoLogger.toStream(process.stderr, 2, level, log);
  }

  private static toStream(stream: NodeJS.WriteStream, fd: number, level: string, log: LogOptions): PinoLogger {
    const options = pinoOptions(level, log);
    if (stream.isTTY) {
      // Loaded only for a terminal: a server logging to a pipe never holds it in its heap.
      const { PinoPretty } = createRequire(import.meta.url)('pino-pretty') as { PinoPretty: typeof PrettyFactory };
      return new PinoLogger(
        pino(options, PinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', sync: true, destination: fd })),
      );
    }
    const buffering = log.sharedOutput === true ? SHARED_LOG_BUFFERING : LOG_BUFFERING;
    return PinoLogger.toLines(new BufferedLineDestination(fd, buffering), level, log);
  }

  /**
   * JSON lines, each written to `lines` whole. The lines of flat fields are made without pino
   * (see line), so pino's options that change a line (redact, hooks, mixin, formatters) must not
   * be set here: those lines would not get them.
   */
  static toLines(lines: LineSink, level: string, log: LogOptions = {}): PinoLogger {
    return new PinoLogger(pino(pinoOptions(level, log), lines), lines);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    if (!this.line('info', message, fields)) this.pino.info(serialized(fields), message);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    if (!this.line('warn', message, fields)) this.pino.warn(serialized(fields), message);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    if (!this.line('error', message, fields)) this.pino.error(serialized(fields), message);
  }

  /**
   * Writes pino's line for flat fields (see flatFieldsJson) made with one native JSON.stringify
   * instead of pino's escaping of each key and value in JavaScript: every request has a line.
   * False when pino must write it (other fields, a terminal's pretty lines).
   */
  private line(
    level: 'info' | 'warn' | 'error',
    message: string,
    fields: Record<string, unknown> | undefined,
  ): boolean {
    if (this.lines === undefined) return false;
    // Below the level, nothing is made at all (as with pino's own disabled methods).
    if (!this.pino.isLevelEnabled(level)) return true;
    const json = fields === undefined ? '{}' : flatFieldsJson(fields);
    if (json === undefined) return false;
    const chindings = (this.pino as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
    this.lines.write(
      `{"level":${this.pino.levels.values[level]}${isoTimePerMillisecond()}${chindings}` +
        `${json.length > 2 ? `,${json.slice(1, -1)}` : ''},"msg":${JSON.stringify(message)}}\n`,
    );
    return true;
  }

  flush(): Promise<void> {
    return new Promise((resolve) => this.pino.flush(() => resolve()));
  }
}
