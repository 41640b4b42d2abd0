import type { Command } from 'commander';
import { Option } from 'commander';
import { ATTEMPT_STATES } from '../domain/fleet/attempt-state.js';
import { CliFailure, EXIT } from './exit-codes.js';
import { sinceTime } from './relative-time.js';

/**
 * The listing's filters as command-line options, and back to the listing's query fields (which
 * are also the `filter` of a bulk tagging). `fuota devices` takes them as `--tag`, `--version`,
 * ...; `fuota tag`, whose `--add`/`--remove` name tags too, as `--where-tag`, `--where-version`, ...
 */

const FIELDS = {
  tag: ['<tag>', 'devices carrying this tag'],
  version: ['<version>', 'devices running this version'],
  project: ['<name>', "devices whose running image is of this project (the image's project name)"],
  chip: ['<chip>', 'devices whose running image is for this chip (esp32, esp32c3, ...)'],
  state: ['<state>', "the state of the device's current update attempt"],
  overdue: ['', 'devices not seen for 3x their poll interval (at least 15 minutes)'],
  unassigned: ['', 'devices that poll but have no device row'],
  seenAfter: ['<time>', 'devices seen since then: an ISO 8601 time, or a span back from now (15m, 24h, 7d)'],
  search: ['<text>', 'devices whose id contains this text, in any case'],
} as const;

type Field = keyof typeof FIELDS;

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
const optionKey = (prefix: string, field: Field) =>
  prefix === '' ? field : `${prefix}${field.charAt(0).toUpperCase()}${field.slice(1)}`;

/** Adds the filter options to `command`, each named `--<prefix>-<field>` (or `--<field>` without a prefix). */
export function addFilterOptions(command: Command, prefix = ''): Command {
  for (const [field, [value, description]] of Object.entries(FIELDS) as Array<[Field, readonly [string, string]]>) {
    const flag = `--${prefix === '' ? '' : `${prefix}-`}${kebab(field)}${value === '' ? '' : ` ${value}`}`;
    const option = new Option(flag, description);
    command.addOption(field === 'state' ? option.choices(ATTEMPT_STATES) : option);
  }
  return command;
}

/** The query fields (or bulk tagging filter) the parsed options ask for; `{}` when none was given. */
export function filterOf(options: Record<string, unknown>, prefix = '', now = Date.now()): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const field of Object.keys(FIELDS) as Field[]) {
    const value = options[optionKey(prefix, field)];
    if (value === undefined || value === false) continue;
    if (value === true) filter[field] = 'true';
    else if (field !== 'seenAfter') filter[field] = String(value);
    else {
      const since = sinceTime(String(value), now);
      if (since === undefined) {
        const flag = `--${prefix === '' ? '' : `${prefix}-`}${kebab(field)}`;
        throw new CliFailure(
          /^\s*\d+[smhd]\s*$/.test(String(value))
            ? `${flag}: ${JSON.stringify(value)} reaches back before 1970, before any device was seen: give a shorter span or an ISO 8601 time`
            : `${flag}: ${JSON.stringify(value)} is neither an ISO 8601 time nor a span back from now (15m, 24h, 7d)`,
          EXIT.usage,
        );
      }
      filter[field] = since;
    }
  }
  return filter;
}
