import type { AttemptState } from '../../domain/fleet/attempt-state.js';
import type { DeviceId } from '../../domain/device-id.js';
import { DomainError } from '../../domain/domain-error.js';
import type { FieldProblem } from '../../domain/rollout/field-problem.js';
import type { Penalty } from '../../domain/rollout/penalty-box.js';
import type { Rollout } from '../../domain/rollout/rollout.js';
import type { RolloutDefinition, RolloutInput } from '../../domain/rollout/rollout-definition.js';
import type { RolloutId } from '../../domain/rollout/rollout-id.js';
import type { RolloutPreview } from '../../domain/rollout/rollout-preview.js';
import type { AuditSource } from '../audit/audit-trail.js';

/** The operator actions on a rollout (`POST /api/v1/rollouts/<id>/<action>`). */
export const ROLLOUT_OPERATOR_ACTIONS = ['start', 'pause', 'resume', 'advance', 'abort'] as const;
export type RolloutOperatorAction = (typeof ROLLOUT_OPERATOR_ACTIONS)[number];

/** Attempts by state, every state present (0 when none). */
export type AttemptCounts = Readonly<Record<AttemptState, number>>;

/** One wave as read back: its percentage, the eligible devices it holds now, its attempts by state. */
export interface WaveView {
  readonly percent: number;
  readonly devices: number;
  readonly attempts: AttemptCounts;
}

/** A rollout as `GET /api/v1/rollouts/<id>` shows it: where it stands and how its waves fare. */
export interface RolloutView {
  readonly rollout: Rollout;
  readonly waves: readonly WaveView[];
  /**
   * Its attempts between offered and resolved now (against `definition.maxInFlight`), every
   * server's: other servers' attempts reach this one's memory as they change.
   */
  readonly inFlight: number;
  /**
   * Offers it made in the last 60 s (against `definition.maxOffersPerMinute`), every server's:
   * with other servers, those stored at the last supervision and this server's since.
   */
  readonly offersLastMinute: number;
  /** Resolved since the rollout's countingSince (rollout.ts): what the halt rule judges. */
  readonly current: {
    readonly resolved: number;
    readonly succeeded: number;
    readonly failed: number;
    /** Devices that booted the image, not yet confirmed (see haltReasonOf). */
    readonly provisional: number;
    /** Devices that booted the image and went quiet: pending, neither success nor failure (wave-sample.ts). */
    readonly quiet: number;
    /** failed / (resolved + provisional) in percent, as the halt rule judges; null before any. */
    readonly failurePercent: number | null;
  };
}

/** A device a rollout has made an offer to, with its latest attempt of that rollout. */
export interface RolloutDeviceView {
  readonly deviceId: DeviceId;
  readonly wave: number;
  readonly attemptId: string;
  readonly state: AttemptState;
  readonly offeredAt: number;
  readonly updatedAt: number;
}

/** What the metrics show of a rollout (cheap to read: no device is looked at). */
export interface RolloutGauges {
  readonly id: RolloutId;
  readonly name: string;
  readonly state: Rollout['state'];
  readonly wave: number;
  /** Devices by the state of their latest attempt of the rollout. */
  readonly devices: AttemptCounts;
  readonly inFlight: number;
  readonly maxInFlight: number;
  readonly offersLastMinute: number;
  /** Failed / resolved in the current wave (0-1); null before anything resolved. */
  readonly failureRatio: number | null;
  readonly haltFailureRatio: number;
}

/**
 * Why an operation was refused, with a stable code (mapped to an HTTP status by the adapter):
 * `rollout-not-found` 404; `invalid-rollout` 400 with every field problem (a bad field, an
 * unknown or unstored file, a file that is not a valid image); `rollout-state-conflict` and
 * `rollout-wave-conflict` 409.
 */
export class RolloutOperationError extends DomainError {
  constructor(
    override readonly code:
      'rollout-not-found' | 'invalid-rollout' | 'rollout-state-conflict' | 'rollout-wave-conflict',
    message: string,
    readonly problems: readonly FieldProblem[] = [],
  ) {
    super(code, message);
    this.name = 'RolloutOperationError';
  }
}

/**
 * What operators do with rollouts. Every change is durable, audited (with `who`) and its events
 * appended before the returned promise resolves; a refused one changes nothing and rejects with
 * a RolloutOperationError.
 */
/** A rollout's new definition, worked out from its current one (a merge patch, say). */
export type RolloutEdit = (current: RolloutDefinition) => RolloutInput;

export interface RolloutOperations {
  /** The rollouts not yet ended (draft to halted) whose target is `path`: its file may not change under them. */
  targeting(path: string): readonly Rollout[];
  /** Every problem of a definition (its values, its file), without creating anything; empty when it is valid. */
  problemsOf(input: RolloutInput): readonly FieldProblem[];
  /** A new rollout, as a draft. */
  create(input: RolloutInput, who: AuditSource): Promise<RolloutView>;
  /** Every rollout, newest first. */
  list(): readonly RolloutView[];
  get(id: RolloutId): RolloutView | undefined;
  /**
   * Replaces the definition of a draft or paused rollout (fields left out take the defaults) with
   * what `edit` makes of the definition as it is when the change's turn comes (after every change
   * asked for before it, on any server), so that two operators' edits of different fields both
   * take effect.
   */
  edit(id: RolloutId, edit: RolloutEdit, who: AuditSource): Promise<RolloutView>;
  act(id: RolloutId, action: RolloutOperatorAction, who: AuditSource): Promise<RolloutView>;
  /** What the rollout's definition would do with the devices known now. */
  preview(id: RolloutId): Promise<RolloutPreview>;
  /** The preview of a definition not yet created (its waves drawn with a stand-in id). */
  previewDefinition(input: RolloutInput): Promise<RolloutPreview>;
  /** The devices the rollout made offers to, by their latest attempt's state when `state` is given. */
  devices(id: RolloutId, state?: AttemptState): readonly RolloutDeviceView[];
  /** The device's current penalties (one per image), empty when none. */
  penalties(deviceId: DeviceId): readonly (Penalty & { readonly file: string; readonly version: string | null })[];
  /**
   * The versions that rolled back on the device since its penalty box was last cleared: no
   * rollout offers them to it again (`rolled-back-before`) until it is cleared.
   */
  rolledBack(deviceId: DeviceId): Promise<readonly string[]>;
  /**
   * Clears the device's penalty box and its rolled-back versions (both may be offered again);
   * false for a device never seen.
   */
  clearPenalty(deviceId: DeviceId, who: AuditSource): Promise<boolean>;
}

export const ROLLOUT_OPERATIONS = Symbol.for('fuota.RolloutOperations');
