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
  /**
   * A device that checks again this soon after an offer, without having asked for the file, is
   * taken as repeating its check (a retry, a script, a second client), not as having failed the
   * download: the esp32-fuota application downloads at once after a 200, and waits about 30 s
   * after a failed download before it checks again. Without it, a device checking in a loop
   * would end and start an attempt (two durable writes) on every check.
   */
  readonly offerGraceMs: number;
}

/** The defaults: 2 polls or 10 minutes to succeed, 1 hour to silent, one 64 KiB chunk to refuse; 10 s of offer grace. */
export const DEFAULT_ATTEMPT_RULES: AttemptRules = {
  successPolls: 2,
  successMs: 600_000,
  silentMs: 3_600_000,
  refusalBytes: 65_536,
  offerGraceMs: 10_000,
};
