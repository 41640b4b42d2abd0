/** How delta patches are made and offered (the FUOTA_DELTA_* variables). */
export interface DeltaSettings {
  /** FUOTA_DELTA: off makes no patch and offers none (devices get full images, as before). */
  readonly enabled: boolean;
  /** A patch is kept only when smaller than this share of its target's size (FUOTA_DELTA_MAX_RATIO). */
  readonly maxRatio: number;
  /** On upload, patches are made from this many earlier versions of the same project and chip. */
  readonly bases: number;
  /** A build still running after this long is stopped (its worker terminated) and counted failed. */
  readonly buildTimeoutMs: number;
  /**
   * The build worker's heap cap, and the bound on a pair's estimated memory (32 MiB, 12x the base and 6x
   * the target: buffers outside the heap that the worker's cap does not count); bigger pairs are refused.
   */
  readonly buildMemoryMiB: number;
  /** Builds running at once (each in its own worker thread). */
  readonly concurrency: number;
}

export const DEFAULT_DELTA_SETTINGS: DeltaSettings = {
  enabled: true,
  maxRatio: 0.8,
  bases: 3,
  buildTimeoutMs: 60_000,
  buildMemoryMiB: 512,
  concurrency: 1,
};
