import { inject, injectable } from 'inversify';
import type { HealthCheck } from '../../ports/health-check.port.js';
import { HEALTH_CHECKS } from '../../ports/health-check.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { LOGGER } from '../../ports/logger.port.js';
import { RepeatedWarnings } from '../logging/repeated-warnings.js';

/** A hung disk must make the answer "unhealthy", not make the health check hang. */
const CHECK_TIMEOUT_MS = 5_000;

export interface HealthReport {
  readonly healthy: boolean;
  /** Each part by name: `ok` or `failing` (the reason goes to the log, not to the caller). */
  readonly checks: Readonly<Record<string, 'ok' | 'failing'>>;
}

/** Whether the server can do its work now: every storage part reads and writes. */
@injectable()
export class CheckHealth {
  constructor(
    @inject(HEALTH_CHECKS) private readonly parts: readonly HealthCheck[],
    @inject(LOGGER) logger: Logger,
  ) {
    this.warnings = new RepeatedWarnings(logger);
  }

  /** A probe every few seconds during an outage: its warning once every ten seconds per part. */
  private readonly warnings: RepeatedWarnings;
  /**
   * The probe under way, whose report every ask made meanwhile shares: anyone may ask (the route
   * needs no credential), each probe writes and syncs a file per storage part, and a flood of
   * concurrent asks so costs one probe at a time.
   */
  private running: Promise<HealthReport> | undefined;

  execute(): Promise<HealthReport> {
    this.running ??= this.probe().finally(() => (this.running = undefined));
    return this.running;
  }

  private async probe(): Promise<HealthReport> {
    const results = await Promise.all(
      this.parts.map(async (part) => {
        try {
          await withTimeout(part.check(), CHECK_TIMEOUT_MS);
          this.warnings.recovered(part.name, { part: part.name });
          return [part.name, 'ok'] as const;
        } catch (error) {
          this.warnings.warn(
            'health check failed',
            { part: part.name, reason: error instanceof Error ? error.message : String(error) },
            part.name,
          );
          return [part.name, 'failing'] as const;
        }
      }),
    );
    return { healthy: results.every(([, state]) => state === 'ok'), checks: Object.fromEntries(results) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
