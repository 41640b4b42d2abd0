import type { z } from 'zod';
import type { RolloutDeviceView, RolloutOperations, RolloutView } from '../../../app/rollout/rollout-operations.js';
import type { AttemptState } from '../../../domain/fleet/attempt-state.js';
import { ATTEMPT_STATES } from '../../../domain/fleet/attempt-state.js';
import type { HaltReason } from '../../../domain/rollout/halt-check.js';
import { describeHaltReason } from '../../../domain/rollout/halt-check.js';
import type { RolloutDefinition, RolloutInput } from '../../../domain/rollout/rollout-definition.js';
import type { RolloutPreview } from '../../../domain/rollout/rollout-preview.js';
import { countingSince } from '../../../domain/rollout/rollout.js';
import type {
  devicePenaltiesSchema,
  rolloutDeviceSchema,
  rolloutPatchSchema,
  rolloutPreviewSchema,
  rolloutViewSchema,
} from './rollout-schemas.js';

/** The JSON operators see of rollouts (issue 17): times as ISO 8601 UTC, the definition's fields as given. */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function haltReasonView(reason: HaltReason) {
  return {
    kind: reason.kind,
    text: describeHaltReason(reason),
    resolved: reason.resolved,
    succeeded: reason.succeeded,
    failed: reason.failed,
    provisional: reason.provisional,
    waveDevices: reason.waveDevices,
    failurePercent: reason.failurePercent,
    failureCount: reason.failureCount,
  };
}

/**
 * A rollout as read back: the definition's fields (waves as objects: percent, devices, attempts
 * by state), then where it stands.
 */
export function rolloutView(view: RolloutView): z.input<typeof rolloutViewSchema> {
  const { rollout } = view;
  const { definition } = rollout;
  return {
    id: rollout.id,
    name: definition.name,
    file: definition.file,
    selector: {
      tagsAll: [...definition.selector.tagsAll],
      tagsAny: [...definition.selector.tagsAny],
      devices: [...definition.selector.devices],
      versions:
        typeof definition.selector.versions === 'string' || definition.selector.versions === null
          ? definition.selector.versions
          : [...definition.selector.versions],
      project: definition.selector.project,
      chip: definition.selector.chip,
    },
    waves: definition.waves.map((percent, index) => {
      const wave = view.waves[index];
      const attempts = Object.fromEntries(ATTEMPT_STATES.map((state) => [state, wave?.attempts[state] ?? 0])) as Record<
        AttemptState,
        number
      >;
      return { percent, devices: wave?.devices ?? 0, attempts };
    }),
    advance: definition.advance === null ? null : { ...definition.advance },
    maxInFlight: definition.maxInFlight,
    maxOffersPerMinute: definition.maxOffersPerMinute,
    halt: { ...definition.halt },
    penalty: { ...definition.penalty },
    allowDowngrade: definition.allowDowngrade,
    priority: definition.priority,
    includeUnknownImages: definition.includeUnknownImages,
    state: rollout.state,
    wave: rollout.wave,
    inFlight: view.inFlight,
    offersLastMinute: view.offersLastMinute,
    current: { ...view.current },
    countingSince: isoOrNull(countingSince(rollout)),
    haltReason: rollout.haltReason === null ? null : haltReasonView(rollout.haltReason),
    createdAt: iso(rollout.createdAt),
    updatedAt: iso(rollout.updatedAt),
    startedAt: isoOrNull(rollout.startedAt),
    waveStartedAt: isoOrNull(rollout.waveStartedAt),
    resumedAt: isoOrNull(rollout.resumedAt),
    endedAt: isoOrNull(rollout.endedAt),
  };
}

export function rolloutPreviewView(preview: RolloutPreview): z.input<typeof rolloutPreviewSchema> {
  return {
    selected: preview.selected,
    eligible: preview.eligible,
    excluded: { ...preview.excluded },
    waves: preview.waves.map((wave) => ({ percent: wave.percent, devices: wave.devices })),
    unseen: [...preview.unseen],
  };
}

export function rolloutDeviceView(device: RolloutDeviceView): z.input<typeof rolloutDeviceSchema> {
  return {
    device: device.deviceId,
    wave: device.wave,
    attempt: device.attemptId,
    state: device.state,
    offeredAt: iso(device.offeredAt),
    updatedAt: iso(device.updatedAt),
  };
}

export function devicePenaltiesView(
  device: string,
  penalties: ReturnType<RolloutOperations['penalties']>,
  rolledBack: readonly string[],
): z.input<typeof devicePenaltiesSchema> {
  return {
    device,
    rolledBack: [...rolledBack],
    penalties: penalties.map((penalty) => ({
      file: penalty.file,
      version: penalty.version,
      failures: penalty.failures,
      lastFailureAt: iso(penalty.lastFailureAt),
      until: iso(penalty.until),
    })),
  };
}

export type RolloutPatch = z.output<typeof rolloutPatchSchema>;

/**
 * The definition `patch` makes of `current`, as JSON merge patch (RFC 7396) would: a field given
 * replaces the current one; the objects (selector, advance, halt, penalty) merge field by field
 * (an advance patched onto a manual rollout is filled with the defaults); null removes a field,
 * which then takes its default, as in a new rollout (`advance: null` makes the waves manual, its
 * default; the selector's versions, project and chip are null by default). Fields absent from
 * the patch keep their current values. Only some nulls were taken before (found by a new user:
 * `{"halt": null}` was refused).
 */
export function patchedDefinition(current: RolloutDefinition, patch: RolloutPatch): RolloutInput {
  const kept = <T>(base: T, change: T | null | undefined): T | undefined =>
    change === undefined ? base : change === null ? undefined : change;
  return {
    name: patch.name ?? current.name,
    file: patch.file ?? current.file,
    selector: merged(current.selector, patch.selector) ?? {},
    waves: kept(current.waves, patch.waves),
    advance: merged(current.advance, patch.advance),
    maxInFlight: kept(current.maxInFlight, patch.maxInFlight),
    maxOffersPerMinute: kept(current.maxOffersPerMinute, patch.maxOffersPerMinute),
    halt: merged(current.halt, patch.halt) ?? {},
    penalty: merged(current.penalty, patch.penalty) ?? {},
    allowDowngrade: kept(current.allowDowngrade, patch.allowDowngrade),
    priority: kept(current.priority, patch.priority),
    includeUnknownImages: kept(current.includeUnknownImages, patch.includeUnknownImages),
  };
}

/** `change` merged into `base` field by field: a null field is removed (its default again); null removes the whole. */
function merged<T extends object>(
  base: T | null,
  change: { readonly [K in keyof T]?: T[K] | null } | null | undefined,
): Partial<T> | null {
  if (change === undefined) return base;
  if (change === null) return null;
  // Only removals on an object that is not there (an advance of a manual rollout) leave it not
  // there: filled with defaults, it would turn automatic waves on (a review).
  if (base === null && Object.values(change).every((value) => value === null || value === undefined)) return null;
  const result: Record<string, unknown> = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(change)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = value;
  }
  return result as Partial<T>;
}
