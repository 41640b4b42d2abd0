import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { ATTEMPT_STATES } from '../../domain/fleet/attempt-state.js';
import { DEFAULT_ADVANCE_RULE, DEFAULT_HALT, DEFAULT_PENALTY } from '../../domain/rollout/rollout-defaults.js';
import { ROLLOUT_STATES } from '../../domain/rollout/rollout-state.js';
import type { CliContext } from '../cli-context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import type { RolloutAction } from '../rollout-api.js';
import {
  actOnRollout,
  clearPenalty,
  createRollout,
  devicePenalties,
  getRollout,
  listRollouts,
  previewRollout,
  rolloutDevices,
} from '../rollout-api.js';
import {
  actedText,
  penaltiesText,
  previewText,
  rolloutDevicesTable,
  rolloutTable,
  rolloutText,
} from '../rollout-text.js';

/** `a,b, c` -> ["a", "b", "c"]; repeated options add up. */
const commaList = (raw: string, earlier: string[] = []) => [
  ...earlier,
  ...raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== ''),
];

function numberList(raw: string): number[] {
  const values = raw.split(',').map((item) => item.trim());
  if (values.some((value) => !/^\d+(\.\d+)?$/.test(value))) {
    throw new InvalidArgumentError('percentages separated by commas, e.g. 1,10,50,100');
  }
  return values.map(Number);
}

function wholeNumber(raw: string): number {
  if (!/^-?\d+$/.test(raw)) throw new InvalidArgumentError('a whole number');
  // Past this, JSON numbers lose their last digits, and the server refused it as "an integer of
  // at least 1", which it seemed to be.
  if (!Number.isSafeInteger(Number(raw)))
    throw new InvalidArgumentError(`a whole number of at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1)`);
  return Number(raw);
}

function decimalNumber(raw: string): number {
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new InvalidArgumentError('a number, e.g. 12.5');
  return Number(raw);
}

/**
 * `--versions`: a list when it has commas or is a plain version (`1.0,1.1`, `v2.0.0`), a semver
 * range when it has a range's operators or spaces (`>=1.2.0 <2.0.0`, `^1.4`, `1.x`).
 */
export function versionsOf(raw: string): string | string[] {
  if (raw.includes(',')) return commaList(raw);
  return /[<>=^~*|\s]|(^|\.)[xX](\.|$)/.test(raw.trim()) ? raw.trim() : [raw.trim()];
}

/** What `rollout create` takes besides a definition file; each flag sets its field over the file's. */
export interface DefinitionOptions {
  definition?: string;
  name?: string;
  file?: string;
  waves?: number[];
  tagsAll?: string[];
  tagsAny?: string[];
  devices?: string[];
  versions?: string;
  project?: string;
  chip?: string;
  maxInFlight?: number;
  maxOffersPerMinute?: number;
  priority?: number;
  allowDowngrade?: boolean;
  includeUnknownImages?: boolean;
  haltFailurePercent?: number;
  haltFailureCount?: number;
  haltMinResolved?: number;
  advanceSuccessPercent?: number;
  advanceMinResolved?: number;
  advanceSoakMinutes?: number;
  /** `--manual`: the waves advance only by an operator (`advance: null`). */
  manual?: boolean;
  penaltyFailures?: number;
  penaltyHours?: number;
}

/** `base[name]` as an object to set fields over (a copy), or an empty one. */
function objectIn(base: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = base[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as object) } : {};
}

/**
 * The definition `rollout create` sends: the JSON of `--definition` (if given), then each flag
 * over it. The server checks it and names every bad field.
 */
export function definitionOf(options: DefinitionOptions, readFile: (path: string) => string): Record<string, unknown> {
  let base: Record<string, unknown> = {};
  if (options.definition !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(options.definition));
    } catch (error) {
      throw new CliFailure(`--definition ${options.definition}: ${(error as Error).message}`, EXIT.usage);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CliFailure(`--definition ${options.definition}: not a JSON object`, EXIT.usage);
    }
    base = parsed as Record<string, unknown>;
  }
  const selector: Record<string, unknown> = {
    ...(typeof base.selector === 'object' && base.selector !== null ? (base.selector as Record<string, unknown>) : {}),
  };
  const set = (target: Record<string, unknown>, name: string, value: unknown) => {
    if (value !== undefined) target[name] = value;
  };
  set(selector, 'tagsAll', options.tagsAll);
  set(selector, 'tagsAny', options.tagsAny);
  set(selector, 'devices', options.devices);
  set(selector, 'versions', options.versions === undefined ? undefined : versionsOf(options.versions));
  set(selector, 'project', options.project);
  set(selector, 'chip', options.chip);
  const definition: Record<string, unknown> = { ...base };
  set(definition, 'name', options.name);
  set(definition, 'file', options.file);
  if (Object.keys(selector).length > 0) definition.selector = selector;
  set(definition, 'waves', options.waves);
  set(definition, 'maxInFlight', options.maxInFlight);
  set(definition, 'maxOffersPerMinute', options.maxOffersPerMinute);
  set(definition, 'priority', options.priority);
  set(definition, 'allowDowngrade', options.allowDowngrade);
  set(definition, 'includeUnknownImages', options.includeUnknownImages);
  const halt = objectIn(base, 'halt');
  set(halt, 'failurePercent', options.haltFailurePercent);
  set(halt, 'failureCount', options.haltFailureCount);
  set(halt, 'minResolved', options.haltMinResolved);
  if (Object.keys(halt).length > 0) definition.halt = halt;
  const penalty = objectIn(base, 'penalty');
  set(penalty, 'failures', options.penaltyFailures);
  set(penalty, 'hours', options.penaltyHours);
  if (Object.keys(penalty).length > 0) definition.penalty = penalty;
  const advance = objectIn(base, 'advance');
  set(advance, 'successPercent', options.advanceSuccessPercent);
  set(advance, 'minResolved', options.advanceMinResolved);
  set(advance, 'soakMinutes', options.advanceSoakMinutes);
  const advanceFlags = ['advanceSuccessPercent', 'advanceMinResolved', 'advanceSoakMinutes'] as const;
  const advanceGiven = advanceFlags.some((flag) => options[flag] !== undefined);
  if (options.manual === true && advanceGiven) {
    throw new CliFailure('--manual and the --advance-* flags exclude each other', EXIT.usage);
  }
  if (options.manual === true) definition.advance = null;
  else if (advanceGiven) definition.advance = advance;
  if (definition.name === undefined || definition.file === undefined) {
    throw new CliFailure('give --name and --file (or a --definition file with "name" and "file")', EXIT.usage);
  }
  return definition;
}

const ACTIONS: ReadonlyArray<readonly [RolloutAction, string]> = [
  ['start', 'start a draft: its first wave is offered'],
  ['pause', 'pause a running rollout: no offers until resumed'],
  ['resume', 'resume a paused or halted rollout (from halted: failures count afresh from now)'],
  ['advance', 'move to the next wave (past the last: completed)'],
  ['abort', 'end a rollout for good: it makes no more offers'],
];

const columns = () => (process.stdout.isTTY ? process.stdout.columns : undefined);

/** `fuota rollout ...`: staged rollouts (issue 17); `fuota penalty ...`: a device's penalty box. */
export function rolloutCommands(program: Command, context: CliContext): void {
  const rollout = program
    .command('rollout')
    .description(
      'staged rollouts: create, list, show (progress bars per wave), preview, start, pause, resume, advance, abort',
    )
    .addHelpText(
      'after',
      `
Examples:
  fuota rollout create --name 'lamp 2.1' --file lamp/v2.1.bin --waves 1,10,50,100 --tags-all lamp --chip esp32c3
  fuota rollout create --definition lamp-2.1.json --max-in-flight 20
  fuota rollout preview r-3kq9
  fuota rollout start r-3kq9
  fuota rollout show r-3kq9
  fuota rollout advance r-3kq9
  fuota rollout list --json | jq -r '.items[] | select(.state == "halted") | .id'`,
    );
  rollout
    .command('create')
    .description('create a rollout as a draft, from flags and/or a JSON definition (absent fields take the defaults)')
    .option('--definition <file.json>', 'the definition as JSON (the flags below set fields over it)')
    .option('--name <name>', 'its name')
    .option('--file <path>', 'the stored image to offer (its update file path)')
    .option('--waves <percentages>', 'cumulative percentages, e.g. 1,10,50,100 (default)', numberList)
    .option('--tags-all <tags>', 'devices carrying every one of these tags (comma-separated, repeatable)', commaList)
    .option('--tags-any <tags>', 'devices carrying at least one of these tags (comma-separated, repeatable)', commaList)
    .option('--devices <ids>', 'only these devices (comma-separated, repeatable)', commaList)
    .option('--versions <range-or-list>', "running versions: a semver range ('>=1.2.0 <2') or a list (1.0,1.1)")
    .option('--project <name>', 'the project name of the running image')
    .option('--chip <chip>', 'the chip of the running image (esp32, esp32c3, ...)')
    .option('--max-in-flight <n>', 'attempts under way at once, at most (default 50)', wholeNumber)
    .option('--max-offers-per-minute <n>', 'offers in any minute, at most (default 60)', wholeNumber)
    .option('--priority <n>', 'higher wins when several rollouts could offer to a device (default 0)', wholeNumber)
    .option('--allow-downgrade', 'offer an older version than a device runs')
    .option('--include-unknown-images', 'offer also to devices whose running image is not a stored one')
    .option(
      '--halt-failure-percent <n>',
      `halt at this share of the devices resolved or booted failed (${DEFAULT_HALT.failurePercent})`,
      decimalNumber,
    )
    .option(
      '--halt-failure-count <n>',
      `halt at this many failed devices, whatever their share (${DEFAULT_HALT.failureCount})`,
      wholeNumber,
    )
    .option(
      '--halt-min-resolved <n>',
      `judge the halt rule once this many devices resolved or booted (${DEFAULT_HALT.minResolved})`,
      wholeNumber,
    )
    .option(
      '--advance-success-percent <n>',
      `a wave advances by itself at this share succeeded (${DEFAULT_ADVANCE_RULE.successPercent}) ...`,
      decimalNumber,
    )
    .option(
      '--advance-min-resolved <n>',
      `... of at least this many resolved (${DEFAULT_ADVANCE_RULE.minResolved}) ...`,
      wholeNumber,
    )
    .option(
      '--advance-soak-minutes <n>',
      `... this long after it began (${DEFAULT_ADVANCE_RULE.soakMinutes})`,
      wholeNumber,
    )
    .option('--manual', 'waves advance only by `fuota rollout advance` (so without any --advance-*)')
    .option(
      '--penalty-failures <n>',
      `failures of one image that box a device (${DEFAULT_PENALTY.failures})`,
      wholeNumber,
    )
    .option('--penalty-hours <n>', `hours a device stays in the penalty box (${DEFAULT_PENALTY.hours})`, decimalNumber)
    .action(async (options: DefinitionOptions) => {
      const created = await createRollout(
        context.client(),
        definitionOf(options, (path) => readFileSync(path, 'utf8')),
      );
      context.output.result(created, () => rolloutText(created, Date.now(), columns()));
    });

  rollout
    .command('list')
    .description('every rollout, newest first')
    .addOption(new Option('--state <state>', 'only rollouts in this state').choices(ROLLOUT_STATES))
    .action(async (options: { state?: string }) => {
      const rollouts = await listRollouts(context.client(), options.state);
      context.output.result(rollouts, () => rolloutTable(rollouts.items, Date.now()));
    });

  rollout
    .command('show')
    .description('one rollout: where it stands, its definition, and a progress bar per wave')
    .argument('<rollout-id>', 'the rollout id')
    .action(async (id: string) => {
      const one = await getRollout(context.client(), id);
      context.output.result(one, () => rolloutText(one, Date.now(), columns()));
    });

  rollout
    .command('preview')
    .description('how many devices each wave holds now, and how many each rule excludes (changes nothing)')
    .argument('<rollout-id>', 'the rollout id')
    .action(async (id: string) => {
      const preview = await previewRollout(context.client(), id);
      context.output.result(preview, () => previewText(preview));
    });

  rollout
    .command('devices')
    .description('the devices the rollout made offers to, with their latest attempt')
    .argument('<rollout-id>', 'the rollout id')
    .addOption(new Option('--state <state>', 'only devices whose attempt is in this state').choices(ATTEMPT_STATES))
    .action(async (id: string, options: { state?: string }) => {
      const devices = await rolloutDevices(context.client(), id, options.state);
      context.output.result(devices, () => rolloutDevicesTable(devices.items, Date.now()));
    });

  for (const [action, description] of ACTIONS) {
    rollout
      .command(action)
      .description(description)
      .argument('<rollout-id>', 'the rollout id')
      .action(async (id: string) => {
        const after = await actOnRollout(context.client(), id, action);
        context.output.result(after, () => actedText(action, after, Date.now(), columns()));
      });
  }

  const penalty = program
    .command('penalty')
    .description("a device's penalty box: the images it is not offered after repeated failures")
    .addHelpText(
      'after',
      '\nExamples:\n  fuota penalty show 24:0A:C4:00:01:02\n  fuota penalty clear 24:0A:C4:00:01:02',
    );

  penalty
    .command('show')
    .description('the images the device is in the penalty box for, and until when')
    .argument('<device-id>', 'the device id')
    .action(async (device: string) => {
      const penalties = await devicePenalties(context.client(), device);
      context.output.result(penalties, () => penaltiesText(penalties, Date.now()));
    });

  penalty
    .command('clear')
    .description(
      'take the device out of the penalty box and forget its rolled-back versions: both may be offered again',
    )
    .argument('<device-id>', 'the device id')
    .action(async (device: string) => {
      await clearPenalty(context.client(), device);
      context.output.result({ cleared: device }, () => `${device}: penalty box cleared`);
    });
}
