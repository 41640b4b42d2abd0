import { hasLoneSurrogate } from '../unicode-text.js';
import { isUpdateFilePath, UPDATE_FILE_PATH_RULE } from '../update-file-path.js';
import type { FieldProblem } from './field-problem.js';
import { isStepPercent } from './percent.js';
import type { RolloutDefinition, RolloutInput } from './rollout-definition.js';
import { withRolloutDefaults, type FilledRolloutInput } from './rollout-defaults.js';
import type { RolloutRefusal } from './rollout-refusal.js';
import { selectorProblems } from './selector-validation.js';
import type { VersionScheme } from './version-scheme.js';

export const MAX_NAME_LENGTH = 100;
/** More waves than anyone stages by hand; keeps the per-wave counts of a rollout small. */
export const MAX_WAVES = 20;

export type ParsedRolloutDefinition =
  | { readonly ok: true; readonly definition: RolloutDefinition }
  | { readonly ok: false; readonly refusal: RolloutRefusal };

/** Beyond these, times would leave the range of a date (and mean "never" anyway). */
const MAX_PENALTY_HOURS = 87_600;
const MAX_SOAK_MINUTES = 525_600;
const PERCENT_RULE = 'a percentage above 0 and at most 100, in steps of 0.01';

/**
 * `input` with its defaults, as a valid definition; or every problem found, each by its field's
 * path, so that one 400 names them all. Whether the file is stored and a valid image is the
 * app's to check (the domain sees no store).
 */
export function parseRolloutDefinition(input: RolloutInput, scheme: VersionScheme): ParsedRolloutDefinition {
  const filled = withRolloutDefaults(input);
  const problems = definitionProblems(filled, scheme);
  if (problems.length > 0 || !isUpdateFilePath(filled.file)) {
    const message = problems.map((problem) => `${problem.path.join('.')}: ${problem.message}`).join('; ');
    return { ok: false, refusal: { code: 'invalid-rollout', message, problems } };
  }
  return { ok: true, definition: { ...filled, file: filled.file } };
}

/** Every problem of a definition with its defaults filled in. */
export function definitionProblems(definition: FilledRolloutInput, scheme: VersionScheme): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const check = (ok: boolean, path: (string | number)[], message: string) => {
    if (!ok) problems.push({ path, message });
  };
  const { name, file, waves, advance, halt, penalty } = definition;
  check(
    name.trim().length > 0 && name.length <= MAX_NAME_LENGTH,
    ['name'],
    `1-${MAX_NAME_LENGTH} characters, not only spaces`,
  );
  check(!hasControlCharacter(name), ['name'], 'no control characters');
  check(!hasLoneSurrogate(name), ['name'], 'Unicode text: no unpaired surrogate (\\uD800-\\uDFFF)');
  check(isUpdateFilePath(file), ['file'], UPDATE_FILE_PATH_RULE);
  problems.push(...selectorProblems(definition.selector, scheme));
  check(waves.length >= 1 && waves.length <= MAX_WAVES, ['waves'], `1-${MAX_WAVES} waves`);
  waves.forEach((percent, index) => {
    check(isStepPercent(percent), ['waves', index], `${PERCENT_RULE}, got ${percent}`);
    const previous = waves[index - 1];
    if (previous !== undefined) {
      check(percent > previous, ['waves', index], `waves must be strictly increasing: ${percent} after ${previous}`);
    }
  });
  if (advance !== null) {
    check(isStepPercent(advance.successPercent), ['advance', 'successPercent'], PERCENT_RULE);
    check(isCount(advance.minResolved, 1), ['advance', 'minResolved'], 'an integer of at least 1');
    check(
      Number.isFinite(advance.soakMinutes) && advance.soakMinutes >= 0 && advance.soakMinutes <= MAX_SOAK_MINUTES,
      ['advance', 'soakMinutes'],
      `a number of minutes from 0 to ${MAX_SOAK_MINUTES} (a year)`,
    );
  }
  check(
    isCount(definition.maxInFlight, 1),
    ['maxInFlight'],
    'an integer of at least 1 (pause the rollout to stop offers)',
  );
  check(
    isCount(definition.maxOffersPerMinute, 1),
    ['maxOffersPerMinute'],
    'an integer of at least 1 (pause the rollout to stop offers)',
  );
  check(isStepPercent(halt.failurePercent), ['halt', 'failurePercent'], PERCENT_RULE);
  check(isCount(halt.failureCount, 1), ['halt', 'failureCount'], 'an integer of at least 1');
  check(isCount(halt.minResolved, 1), ['halt', 'minResolved'], 'an integer of at least 1');
  check(isCount(penalty.failures, 1), ['penalty', 'failures'], 'an integer of at least 1');
  check(
    Number.isFinite(penalty.hours) && penalty.hours > 0 && penalty.hours <= MAX_PENALTY_HOURS,
    ['penalty', 'hours'],
    `a number of hours above 0, at most ${MAX_PENALTY_HOURS} (ten years)`,
  );
  check(Number.isSafeInteger(definition.priority), ['priority'], 'an integer');
  return problems;
}

function isCount(value: number, min: number): boolean {
  return Number.isSafeInteger(value) && value >= min;
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => char < ' ' || char === '\u007f');
}
