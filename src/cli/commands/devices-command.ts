import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parse } from 'csv-parse/sync';
import type { CliContext } from '../cli-context.js';
import { listInventory } from '../fleet-api.js';
import { addFilterOptions, filterOf } from '../inventory-filter.js';
import { inventoryTable } from '../inventory-text.js';
import { table } from '../output.js';

interface DevicesOptions extends Record<string, unknown> {
  inventory?: boolean;
  limit?: number;
  cursor?: string;
}

function positive(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return value;
}

/**
 * `fuota devices`: the device rows (`GET /devices`, as since the first release), or with
 * `--inventory`, a filter or `--limit`, the fleet inventory (`GET /api/v1/devices`, every page).
 */
export function devicesCommand(program: Command, context: CliContext): void {
  const command = program
    .command('devices')
    .description(
      'list every device row, sorted by device id; with --inventory (or any filter) the devices as their checks show them',
    )
    .option('--inventory', 'list the fleet inventory instead of the device rows (implied by any option below)');
  addFilterOptions(command);
  command
    .option('--limit <n>', 'at most this many devices (default: all, page after page)', positive)
    .option('--cursor <next>', 'go on from where an earlier listing stopped: the "next" that --limit N --json printed')
    .addHelpText(
      'after',
      `
Examples:
  fuota devices
  fuota devices --json | jq -r '.[].deviceId'
  fuota devices --inventory
  fuota devices --overdue --tag building-7
  fuota devices --version v1.9.0 --seen-after 24h --json | jq -r '.items[].id'
  fuota devices --limit 100 --json                      # then, with its "next":
  fuota devices --limit 100 --json --cursor <next>`,
    )
    .action(async (options: DevicesOptions) => {
      const filter = filterOf(options);
      if (
        options.inventory === true ||
        options.limit !== undefined ||
        options.cursor !== undefined ||
        Object.keys(filter).length > 0
      ) {
        const page = await listInventory(context.client(), filter, options.limit, options.cursor);
        context.output.result(page, () =>
          page.items.length === 0
            ? 'no devices in the inventory match'
            : `${inventoryTable(page.items, Date.now())}${page.next === null ? '' : `\n(--limit ${options.limit} reached: more devices match; --cursor ${page.next} lists on)`}`,
        );
        return;
      }
      const res = await context.client().expect([200], 'GET', '/devices');
      const rows = (parse(res.body, { relax_column_count: false }) as string[][]).map(
        ([deviceId = '', appVersion = '', updateFilePath = '']) => ({
          deviceId,
          appVersion,
          updateFilePath,
        }),
      );
      context.output.result(rows, () =>
        rows.length === 0
          ? 'no device rows'
          : table(
              ['DEVICE', 'FROM VERSION', 'OFFERED FILE'],
              rows.map((row) => [row.deviceId, row.appVersion, row.updateFilePath]),
            ),
      );
    });
}
