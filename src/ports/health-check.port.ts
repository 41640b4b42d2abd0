/** One part of the server's storage that can tell whether it can read and write right now. */
export interface HealthCheck {
  /** What the health answer calls it: `database`, `files`. */
  readonly name: string;
  /** Resolves when the part can read and write; rejects with the reason otherwise. */
  check(): Promise<void>;
}

export const HEALTH_CHECKS = Symbol.for('fuota.HealthChecks');
