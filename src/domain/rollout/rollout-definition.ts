import type { UpdateFilePath } from '../update-file-path.js';

/*
 * A rollout as an operator defines it. Field names are public API (issue 17): the HTTP layer
 * takes a `RolloutInput` (absent fields take the defaults of rollout-defaults.ts) and the domain
 * turns it into a complete, valid `RolloutDefinition` (rollout-validation.ts).
 */

/**
 * Which running versions a selector picks: a semver range (`">=1.2.0 <2.0.0"`, judged by the
 * VersionScheme, see version-scheme.ts) or an exact list of version strings. null: any version.
 */
export type VersionFilter = string | readonly string[] | null;

/**
 * Which devices a rollout is for. Every field narrows; an empty list or null narrows nothing, so
 * the empty selector picks every device (the rules of offer-rules.ts still apply).
 */
export interface RolloutSelector {
  /** The device carries every one of these tags. */
  readonly tagsAll: readonly string[];
  /** The device carries at least one of these tags. */
  readonly tagsAny: readonly string[];
  /** The device is one of these. */
  readonly devices: readonly string[];
  readonly versions: VersionFilter;
  /** The project name of the device's running image. */
  readonly project: string | null;
  /** The chip of the device's running image (esptool's name, e.g. `esp32c3`). */
  readonly chip: string | null;
}

/** When a wave advances by itself; null in the definition: only by operator action. */
export interface AdvanceRule {
  /** Succeeded attempts as a percentage of resolved ones, at least. */
  readonly successPercent: number;
  /** Resolved attempts in the wave, at least. */
  readonly minResolved: number;
  /** Minutes since the wave began, at least. */
  readonly soakMinutes: number;
}

/** When a running rollout halts by itself (halt-check.ts). */
export interface HaltRule {
  /** Failed attempts as a percentage of resolved ones that halt it. */
  readonly failurePercent: number;
  /** Failed attempts that halt it, whatever their share. */
  readonly failureCount: number;
  /** Resolved attempts needed before either threshold is judged. */
  readonly minResolved: number;
}

/** The penalty box (penalty-box.ts). */
export interface PenaltyRule {
  /** Failed attempts of the same image that put a device in the box. */
  readonly failures: number;
  /** How long it stays there, from its last failure. */
  readonly hours: number;
}

export interface RolloutDefinition {
  readonly name: string;
  /** The stored image offered (the target). */
  readonly file: UpdateFilePath;
  readonly selector: RolloutSelector;
  /** Cumulative percentages of the selected devices, strictly increasing, each in (0, 100] in steps of 0.01. */
  readonly waves: readonly number[];
  readonly advance: AdvanceRule | null;
  /** Attempts in flight (offered, not yet resolved) at once, at most. */
  readonly maxInFlight: number;
  /** Offers in any 60 seconds, at most. */
  readonly maxOffersPerMinute: number;
  readonly halt: HaltRule;
  readonly penalty: PenaltyRule;
  /** Offer an older version than the device runs. */
  readonly allowDowngrade: boolean;
  /** Higher wins when several rollouts could offer to one device. */
  readonly priority: number;
  /** Offer also to devices whose running image is not a stored one (chip, project and secure_version unknown). */
  readonly includeUnknownImages: boolean;
}

/** A definition as received: name and file, anything else may be left out (or partly given). */
export interface RolloutInput {
  readonly name: string;
  readonly file: string;
  readonly selector?: Partial<RolloutSelector>;
  readonly waves?: readonly number[];
  readonly advance?: Partial<AdvanceRule> | null;
  readonly maxInFlight?: number;
  readonly maxOffersPerMinute?: number;
  readonly halt?: Partial<HaltRule>;
  readonly penalty?: Partial<PenaltyRule>;
  readonly allowDowngrade?: boolean;
  readonly priority?: number;
  readonly includeUnknownImages?: boolean;
}
