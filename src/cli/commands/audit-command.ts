import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliContext } from '../cli-context.js';
import { listAudit } from '../audit-api.js';
import { auditTable } from '../audit-text.js';

function seq(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new InvalidArgumentError("a record's seq: a whole number of at least 0");
  return Number(raw);
}

function positive(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return value;
}

/** `fuota audit`: the audit log of operator changes (`GET /api/v1/audit`, every page). */
export function auditCommand(program: Command, context: CliContext): void {
  program
    .command('audit')
    .description('the audit log: every operator change (who, when, from which address, what, on what), oldest first')
    .option('--after <seq>', 'only the records after this one (the seq of the last record seen)', seq)
    .option('--limit <n>', 'at most this many records (default: all, page after page)', positive)
    .addHelpText(
      'after',
      `
Examples:
  fuota audit
  fuota audit --after 41 --limit 20
  fuota audit --json | jq -r '.items[] | select(.action == "file.delete") | .target'`,
    )
    .action(async (options: { after?: number; limit?: number }) => {
      const page = await listAudit(context.client(), options.after ?? 0, options.limit);
      context.output.result(page, () =>
        page.items.length === 0
          ? options.after === undefined
            ? 'no audit records'
            : `no audit records after ${options.after}`
          : `${auditTable(page.items)}${
              options.limit !== undefined && page.items.length === options.limit
                ? `\n(--limit ${options.limit} reached; the records after these: --after ${page.next})`
                : ''
            }`,
      );
    });
}
