import type { AttemptState } from '../../../src/domain/fleet/attempt-state.js';
import type { RolloutState } from '../../../src/domain/rollout/rollout-state.js';
import { ROLLOUT_ACTION_SOURCES } from '../../../src/domain/rollout/rollout-transitions.js';
import { api, pathOf, queryOf } from './client.js';

// Where one offer stands, in the order a bar draws them, and a rollout's states: the domain's own
// lists (pure code), so that the page never drifts from the server.
export { ATTEMPT_STATES } from '../../../src/domain/fleet/attempt-state.js';
export type { AttemptState, RolloutState };

export const FAILED_ATTEMPT_STATES: ReadonlySet<string> = new Set([
  'rolled-back',
  'download-failed',
  'refused',
  'silent',
]);

export { ROLLOUT_STATES } from '../../../src/domain/rollout/rollout-state.js';

export const ROLLOUT_ACTIONS = ['start', 'pause', 'resume', 'advance', 'abort'] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

/** The states each operator action may be taken from: the domain's transition table. */
export const ACTION_SOURCES: Readonly<Record<RolloutAction, ReadonlySet<string>>> = ROLLOUT_ACTION_SOURCES;

/** The rules no selector overrides (src/domain/rollout/offer-rules.ts), each in a sentence. */
export const EXCLUSION_REASONS: ReadonlyArray<readonly [code: string, sentence: string]> = [
  ['held', 'The device is on hold.'],
  ['device-row', "The device's own row offers it another update now: rows come before every rollout."],
  ['penalized', 'The device is in the penalty box for this image (it failed it too often lately).'],
  ['unknown-image', 'The device runs a version that is no stored image, so its chip and project are unknown.'],
  ['other-chip', "The target is built for another chip than the device's running image."],
  ['other-project', "The target is another project than the device's running image."],
  ['already-running', 'The device already runs this version.'],
  [
    'lower-secure-version',
    "The target's secure_version is lower than the running image's: the bootloader would erase it.",
  ],
  ['downgrade', 'The target is older than what the device runs, and downgrades are not allowed.'],
  [
    'unknown-version-order',
    'Neither semver nor the build dates tell which version is newer, so it counts as a downgrade.',
  ],
  ['rolled-back-before', 'This version rolled back on the device before (until an operator clears it).'],
];

export interface AttemptCounts {
  readonly [state: string]: number;
}

export interface RolloutWave {
  readonly percent: number;
  /** Eligible devices the wave holds now (cumulative). */
  readonly devices: number;
  readonly attempts: AttemptCounts;
}

export interface RolloutSelector {
  readonly tagsAll: readonly string[];
  readonly tagsAny: readonly string[];
  readonly devices: readonly string[];
  readonly versions: string | readonly string[] | null;
  readonly project: string | null;
  readonly chip: string | null;
}

export interface HaltReason {
  readonly kind: 'failure-percent' | 'failure-count';
  readonly text: string;
  readonly resolved: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly provisional: number;
  /** Every device the wave held, when the failures broke the rule against all of them before minResolved. */
  readonly waveDevices: number | null;
  /** The threshold in force when it halted. */
  readonly failurePercent: number;
  readonly failureCount: number;
}

/** A rollout as read back (rollout-views.ts). */
export interface Rollout {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly selector: RolloutSelector;
  readonly waves: readonly RolloutWave[];
  readonly advance: {
    readonly successPercent: number;
    readonly minResolved: number;
    readonly soakMinutes: number;
  } | null;
  readonly maxInFlight: number;
  readonly maxOffersPerMinute: number;
  readonly halt: { readonly failurePercent: number; readonly failureCount: number; readonly minResolved: number };
  readonly penalty: { readonly failures: number; readonly hours: number };
  readonly allowDowngrade: boolean;
  readonly priority: number;
  readonly includeUnknownImages: boolean;
  readonly state: RolloutState;
  /** Index of the current wave (0 until started). */
  readonly wave: number;
  readonly inFlight: number;
  readonly offersLastMinute: number;
  readonly current: {
    readonly resolved: number;
    readonly succeeded: number;
    readonly failed: number;
    /** Devices that booted the image, not yet confirmed: the failure rate weighs them too. */
    readonly provisional: number;
    /** Devices that booted the image and went quiet since. */
    readonly quiet: number;
    readonly failurePercent: number | null;
  };
  readonly haltReason: HaltReason | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly waveStartedAt: string | null;
  readonly resumedAt: string | null;
  readonly endedAt: string | null;
}

export interface RolloutPreview {
  readonly selected: number;
  readonly eligible: number;
  readonly excluded: { readonly [code: string]: number };
  readonly waves: ReadonlyArray<{ readonly percent: number; readonly devices: number }>;
  /** Listed device ids no poll has shown yet (not selected until they poll). */
  readonly unseen: readonly string[];
}

export interface RolloutDevice {
  readonly device: string;
  /** The wave (index) in which it was offered. */
  readonly wave: number;
  readonly attempt: string;
  readonly state: AttemptState;
  readonly offeredAt: string;
  readonly updatedAt: string;
}

/**
 * A definition as sent to `POST /api/v1/rollouts` (rollout-schemas.ts): only name and file are
 * needed; a field left out takes the server's default. Numbers the operator typed that are not
 * numbers are sent as typed, for the server to name.
 */
export interface RolloutInput {
  name: string;
  file: string;
  selector?: {
    tagsAll?: string[];
    tagsAny?: string[];
    devices?: string[];
    versions?: string | string[];
    project?: string;
    chip?: string;
  };
  waves?: Array<number | string>;
  advance?: { successPercent?: number | string; minResolved?: number | string; soakMinutes?: number | string } | null;
  maxInFlight?: number | string;
  maxOffersPerMinute?: number | string;
  halt?: { failurePercent?: number | string; failureCount?: number | string; minResolved?: number | string };
  penalty?: { failures?: number | string; hours?: number | string };
  allowDowngrade?: boolean;
  priority?: number | string;
  includeUnknownImages?: boolean;
}

/** One thing wrong with a definition, by its path in the body (`["waves", 1]`). */
export interface FieldProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

export function rolloutHref(id: string): string {
  return `/ui/rollouts/${encodeURIComponent(id)}`;
}

const base = '/api/v1/rollouts';

export async function listRollouts(state: string | undefined, signal?: AbortSignal): Promise<Rollout[]> {
  return (await api<{ items: Rollout[] }>(`${base}${queryOf({ state })}`, { signal })).items;
}

export function getRollout(id: string, signal?: AbortSignal): Promise<Rollout> {
  return api<Rollout>(`${base}/${pathOf(id)}`, { signal });
}

export function createRollout(input: RolloutInput): Promise<Rollout> {
  return api<Rollout>(base, { method: 'POST', json: input });
}

export function previewRollout(id: string, signal?: AbortSignal): Promise<RolloutPreview> {
  return api<RolloutPreview>(`${base}/${pathOf(id)}/preview`, { method: 'POST', signal });
}

/**
 * The preview of a definition not created yet (`POST /api/v1/rollouts/preview`, the body of
 * `POST /api/v1/rollouts`): the exclusions exactly; the waves drawn with a stand-in id (a
 * rollout's id seeds its waves), so within sampling noise of the created rollout's own preview.
 * A bad definition is refused like a create: 400 `invalid-rollout` naming every bad field.
 */
export function previewDefinition(input: RolloutInput, signal?: AbortSignal): Promise<RolloutPreview> {
  return api<RolloutPreview>(`${base}/preview`, { method: 'POST', json: input, signal });
}

export function actOnRollout(id: string, action: RolloutAction): Promise<Rollout> {
  return api<Rollout>(`${base}/${pathOf(id)}/${action}`, { method: 'POST' });
}

export async function rolloutDevices(
  id: string,
  state: string | undefined,
  signal?: AbortSignal,
): Promise<RolloutDevice[]> {
  return (await api<{ items: RolloutDevice[] }>(`${base}/${pathOf(id)}/devices${queryOf({ state })}`, { signal }))
    .items;
}

/** The problems of a 400 `invalid-rollout` answer (its `problems` member), if it has them. */
export function fieldProblemsOf(extra: Record<string, unknown>): FieldProblem[] {
  const problems = extra.problems;
  if (!Array.isArray(problems)) return [];
  return problems.filter(
    (problem): problem is FieldProblem =>
      typeof problem === 'object' &&
      problem !== null &&
      Array.isArray((problem as FieldProblem).path) &&
      typeof (problem as FieldProblem).message === 'string',
  );
}

/** A problem's path as people read it: `waves.1`, `halt.failurePercent`; the body itself: `(body)`. */
export function problemPath(problem: FieldProblem): string {
  return problem.path.length === 0 ? '(body)' : problem.path.join('.');
}
