/**
 * Why a pair has no patch, remembered so that it is not built again on every check that asks:
 * `not-smaller` (the patch applied back but was not under FUOTA_DELTA_MAX_RATIO of the target),
 * `failed` (time, memory, an error, or a patch that did not rebuild the target) or `removed` (an
 * operator removed its patch). `pending`: a build of the pair is under way. An operator's
 * `delta make` builds it again whatever was remembered.
 */
export interface DeltaBuildState {
  readonly baseSha256: string;
  readonly targetSha256: string;
  readonly state: 'pending' | 'not-smaller' | 'failed' | 'removed';
  /** What the failure was, or the size of the patch that was not smaller. */
  readonly detail: string;
  /** Epoch ms: when the build began (pending) or ended. */
  readonly at: number;
}

/** What a build came to, counted in fuota_delta_builds_total by its outcome. */
export type DeltaBuildOutcome = 'stored' | 'not-smaller' | 'failed';

export const DELTA_BUILD_OUTCOMES: readonly DeltaBuildOutcome[] = ['stored', 'not-smaller', 'failed'];
