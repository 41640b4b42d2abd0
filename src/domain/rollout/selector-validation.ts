import { APP_VERSION_RULE, isAppVersion } from '../app-version.js';
import { DEVICE_ID_RULE, isDeviceId } from '../device-id.js';
import { ESP_CHIPS } from '../firmware/esp-chip.js';
import type { FieldProblem } from './field-problem.js';
import type { RolloutSelector } from './rollout-definition.js';
import type { VersionScheme } from './version-scheme.js';

/** A tag as devices carry them (the same rule as the inventory's tags: 1-64 printable ASCII, no space). */
export const TAG_PATTERN = /^[\x21-\x7e]{1,64}$/;
export const TAG_RULE = 'a tag is 1-64 printable ASCII characters without spaces';
/** As many tags as a device may carry. */
export const MAX_SELECTOR_TAGS = 64;
/** A list long enough for a hand-picked pilot group, short enough to store and check on every poll. */
export const MAX_SELECTOR_DEVICES = 10_000;
export const MAX_SELECTOR_VERSIONS = 1_000;
/** ESP-IDF's app descriptor holds the project name in 32 bytes, NUL included. */
export const MAX_PROJECT_LENGTH = 31;

const CHIP_NAMES: ReadonlySet<string> = new Set(Object.values(ESP_CHIPS));

/** Every problem of a selector, with paths under `selector`. */
export function selectorProblems(selector: RolloutSelector, scheme: VersionScheme): FieldProblem[] {
  const at = (...path: (string | number)[]) => ['selector', ...path];
  const isTag = (tag: string) => TAG_PATTERN.test(tag);
  const problems: FieldProblem[] = [
    ...listProblems(at('tagsAll'), selector.tagsAll, MAX_SELECTOR_TAGS, isTag, TAG_RULE),
    ...listProblems(at('tagsAny'), selector.tagsAny, MAX_SELECTOR_TAGS, isTag, TAG_RULE),
    ...listProblems(at('devices'), selector.devices, MAX_SELECTOR_DEVICES, isDeviceId, DEVICE_ID_RULE),
  ];
  const { versions, project, chip } = selector;
  if (typeof versions === 'string') {
    if (!scheme.validRange(versions))
      problems.push({ path: at('versions'), message: `not a semver range: ${versions}` });
  } else if (versions !== null) {
    problems.push(...listProblems(at('versions'), versions, MAX_SELECTOR_VERSIONS, isAppVersion, APP_VERSION_RULE));
  }
  if (project !== null && (project.length === 0 || project.length > MAX_PROJECT_LENGTH)) {
    problems.push({ path: at('project'), message: `a project name is 1-${MAX_PROJECT_LENGTH} characters` });
  }
  if (chip !== null && !CHIP_NAMES.has(chip)) {
    problems.push({ path: at('chip'), message: `unknown chip ${chip}; one of ${[...CHIP_NAMES].join(', ')}` });
  }
  return problems;
}

/** Problems of a list: too long, and each bad entry by its index. */
function listProblems(
  path: (string | number)[],
  list: readonly string[],
  max: number,
  valid: (entry: string) => boolean,
  rule: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (list.length > max) problems.push({ path, message: `at most ${max} entries, got ${list.length}` });
  list.forEach((entry, index) => {
    if (!valid(entry)) problems.push({ path: [...path, index], message: `${rule}: ${JSON.stringify(entry)}` });
  });
  return problems;
}
