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
 * (an advance patched onto a manual rollout is filled with the defaults); null sets the fields
 * that take it (advance, selector.versions, .project, .chip) to null, which is their default.
 * Fields absent from the patch keep their current values.
 */
export function patchedDefinition(current: RolloutDefinition, patch: RolloutPatch): RolloutInput {
  const merged = <T extends object>(base: T | null, change: Partial<T> | null | undefined): Partial<T> | null => {
    if (change === undefined) return base;
    if (change === null) return null;
    return { ...(base ?? {}), ...withoutUndefined(change) } as Partial<T>;
  };
  const input: RolloutInput = {
    name: patch.name ?? current.name,
    file: patch.file ?? current.file,
    selector: merged(current.selector, patch.selector) ?? {},
    waves: patch.waves ?? current.waves,
    advance: merged(current.advance, patch.advance),
    maxInFlight: patch.maxInFlight ?? current.maxInFlight,
    maxOffersPerMinute: patch.maxOffersPerMinute ?? current.maxOffersPerMinute,
    halt: merged(current.halt, patch.halt) ?? {},
    penalty: merged(current.penalty, patch.penalty) ?? {},
    allowDowngrade: patch.allowDowngrade ?? current.allowDowngrade,
    priority: patch.priority ?? current.priority,
    includeUnknownImages: patch.includeUnknownImages ?? current.includeUnknownImages,
  };
  return input;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
