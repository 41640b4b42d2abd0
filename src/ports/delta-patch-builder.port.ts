/** One pair to make a patch for: the base and target files' whole bytes. */
export interface DeltaBuildRequest {
  readonly base: Uint8Array;
  readonly target: Uint8Array;
  /** The base image's appended SHA-256 (hex), written into the patch header for the device to check. */
  readonly baseImageSha256: string;
}

/**
 * What a build gave: a patch that was applied back to the base and rebuilt the target exactly
 * (SHA-256 compared), or why there is none: `too-large` (the pair's estimated memory is above the
 * cap; not tried), `timeout`, `out-of-memory`, `mismatch` (the patch did not rebuild the
 * target: a codec bug, never served), `error` (anything else the codec threw).
 */
export type DeltaBuildResult =
  | { readonly kind: 'built'; readonly patch: Uint8Array }
  | {
      readonly kind: 'failed';
      readonly fault: 'too-large' | 'timeout' | 'out-of-memory' | 'mismatch' | 'error';
      readonly detail: string;
    };

/** Makes and checks patches away from the request path, within time and memory limits. */
export interface DeltaPatchBuilder {
  build(request: DeltaBuildRequest): Promise<DeltaBuildResult>;
  /** Stops the builds under way (their results are failures) and refuses new ones. */
  close(): Promise<void>;
}
