import type { Command } from 'commander';
import { barChart, barWidth } from '../bar-chart.js';
import type { CliContext } from '../cli-context.js';
import type { FleetSummary } from '../fleet-api.js';
import { fleetSummary } from '../fleet-api.js';

/** The summary as text: counts, attempts by state, and a bar per project/version/chip. */
export function fleetText(summary: FleetSummary, columns: number | undefined): string {
  const states = Object.entries(summary.attempts).filter(([, count]) => count > 0);
  const bars = summary.versions.map((group) => ({
    label: `${group.project ?? '-'} ${group.version} ${group.chip ?? '-'}`,
    count: group.count,
  }));
  return [
    `devices:     ${summary.devices}`,
    `seen:        ${summary.seen['15m']} in 15m, ${summary.seen['24h']} in 24h, ${summary.seen['7d']} in 7d`,
    `overdue:     ${summary.overdue}`,
    `unassigned:  ${summary.unassigned}`,
    `attempts:    ${states.length === 0 ? 'none' : states.map(([state, count]) => `${state} ${count}`).join(', ')}`,
    '',
    'Versions (project version chip):',
    ...(bars.length === 0
      ? ['  none']
      : barChart(bars, barWidth(bars, columns === undefined ? undefined : columns - 2)).map((line) => `  ${line}`)),
  ].join('\n');
}

/** `fuota fleet`: the fleet at a glance. */
export function fleetCommand(program: Command, context: CliContext): void {
  program
    .command('fleet')
    .description('the fleet at a glance: devices seen, overdue, unassigned, attempts by state, versions as bars')
    .addHelpText('after', "\nExamples:\n  fuota fleet\n  fuota fleet --json | jq '.versions'")
    .action(async () => {
      const summary = await fleetSummary(context.client());
      context.output.result(summary, () =>
        fleetText(summary, process.stdout.isTTY ? process.stdout.columns : undefined),
      );
    });
}
