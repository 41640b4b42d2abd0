/**
 * The thresholds that turn polls and downloads into outcomes (see attempt-transitions.ts).
 * Durations are milliseconds.
 */
export interface AttemptRules {
  /**
   * Polls reporting the offered version, after the one that made the attempt provisional, that
   * make it succeeded: a device that rolls back (ESP-IDF's bootloader does after a crash before
   * the app marks itself valid) reports the old version within a boot or two.
   */
  readonly successPolls: number;
  /** Or: how long after the first such poll another one makes it succeeded. */
  readonly successMs: number;
  /** How long after the whole file was sent a device may stay quiet before it counts as silent (a possible brick). */
  readonly silentMs: number;
  /**
   * A download whose served bytes never went past this offset counts as "only the header was
   * fetched": ESP-IDF reads the 288-byte image header and app descriptor in its first read and
   * skips a version that failed before; with partial download, that first read is a 64 KiB
   * Range chunk.
   */
  readonly refusalBytes: number;
}

/** The defaults: 2 polls or 10 minutes to succeed, 1 hour to silent, one 64 KiB chunk to refuse. */
export const DEFAULT_ATTEMPT_RULES: AttemptRules = {
  successPolls: 2,
  successMs: 600_000,
  silentMs: 3_600_000,
  refusalBytes: 65_536,
};
