import type {
  AdvanceRule,
  HaltRule,
  PenaltyRule,
  RolloutDefinition,
  RolloutInput,
  RolloutSelector,
} from './rollout-definition.js';

/*
 * What an absent field means. These are public API: a client that leaves a field out relies on
 * them, so they change only with a note in the API's changelog.
 */

/** Picks every device (the rules no selector overrides still apply). */
export const DEFAULT_SELECTOR: RolloutSelector = {
  tagsAll: [],
  tagsAny: [],
  devices: [],
  versions: null,
  project: null,
  chip: null,
};

/** The example: a canary of 1%, then 10%, half, everyone. */
export const DEFAULT_WAVES: readonly number[] = [1, 10, 50, 100];

/**
 * Absent `advance` is manual: a wave grows only when an operator says so, because an unattended
 * rollout that widens itself is what the halt rule exists to stop, and turning it on should be a choice.
 */
export const DEFAULT_ADVANCE: AdvanceRule | null = null;

/**
 * The parts of an `advance` object given partly: 95% of at least 10 resolved devices, after an
 * hour. An hour lets most devices poll a few times after their update (the attempt needs 2 more
 * polls or 10 minutes to count as succeeded), so rollbacks have had time to show.
 */
export const DEFAULT_ADVANCE_RULE: AdvanceRule = { successPercent: 95, minResolved: 10, soakMinutes: 60 };

/**
 * 20% failures, or 10 failed devices, once 10 devices resolved or booted the image. 10 is about a 1% wave of a thousand
 * devices, so the first wave of a middling fleet can halt; 10 failures halt a large wave long
 * before 20% of it has failed (each failure may be a device on a bench, or bricked in a field).
 */
export const DEFAULT_HALT: HaltRule = { failurePercent: 20, failureCount: 10, minResolved: 10 };

/** The numbers (NervesHub's penalty box): 3 failures of one image, 24 hours. */
export const DEFAULT_PENALTY: PenaltyRule = { failures: 3, hours: 24 };

/**
 * 50 devices downloading at once: about 50 MB of 1 MB images, which a small server sends in
 * seconds, and few enough that a bad image hurts few devices before the halt rule can judge.
 */
export const DEFAULT_MAX_IN_FLIGHT = 50;

/** One new offer a second on average: keeps a large wave from starting every download in the same minute. */
export const DEFAULT_MAX_OFFERS_PER_MINUTE = 60;

export const DEFAULT_PRIORITY = 0;
/** Memfault's default: an older image is offered only when the rollout says so. */
export const DEFAULT_ALLOW_DOWNGRADE = false;
/** A device whose running image is unknown cannot be checked for chip, project and secure_version. */
export const DEFAULT_INCLUDE_UNKNOWN_IMAGES = false;

/** A definition not yet validated: every field present, `file` still the string received. */
export type FilledRolloutInput = Omit<RolloutDefinition, 'file'> & { readonly file: string };

/** `input` with every absent field (nested ones too) set to its default. */
export function withRolloutDefaults(input: RolloutInput): FilledRolloutInput {
  return {
    name: input.name,
    file: input.file,
    selector: filled(DEFAULT_SELECTOR, input.selector),
    waves: input.waves ?? DEFAULT_WAVES,
    advance:
      input.advance === undefined
        ? DEFAULT_ADVANCE
        : input.advance === null
          ? null
          : filled(DEFAULT_ADVANCE_RULE, input.advance),
    maxInFlight: input.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
    maxOffersPerMinute: input.maxOffersPerMinute ?? DEFAULT_MAX_OFFERS_PER_MINUTE,
    halt: filled(DEFAULT_HALT, input.halt),
    penalty: filled(DEFAULT_PENALTY, input.penalty),
    allowDowngrade: input.allowDowngrade ?? DEFAULT_ALLOW_DOWNGRADE,
    priority: input.priority ?? DEFAULT_PRIORITY,
    includeUnknownImages: input.includeUnknownImages ?? DEFAULT_INCLUDE_UNKNOWN_IMAGES,
  };
}

/** `defaults` with the fields `given` sets; a field given as undefined counts as absent (a spread would copy it). */
function filled<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  if (given === undefined) return defaults;
  const defined = Object.entries(given).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(defined) };
}
