import type { StepMeasurement } from './fleet-step.js';
import type { SearchResult } from './step-search.js';

/** The poll interval the fleet size is stated for. */
export const POLL_SECONDS = 300;

/** The load generator counts as the limit when it kept this much of its core busy, or ran late. */
const CLIENT_BUSY_CORES = 0.9;
const CLIENT_LATE_MS = 20;

export interface FleetRow {
  readonly configuration: string;
  readonly mode: string;
  /** Why the configuration was not measured, when it was not. */
  readonly unavailable?: string;
  /** The highest rate that met the criteria, checks/s; null when none did (or not measured). */
  readonly maxRate: number | null;
  readonly p99Ms: number | null;
  readonly serverCpuMsPerCheck: number | null;
  readonly serverCores: number | null;
  readonly databaseCpuMsPerCheck: number | null;
  readonly clientCores: number | null;
  readonly resumedShare: number | null;
  /** The share of that step during which some task on the machine waited for a CPU. */
  readonly cpuStallShare: number | null;
  /** 1000 / server CPU ms per check: checks one fully busy server core answers per second. */
  readonly checksPerCoreSecond: number | null;
  /** Devices one server core carries polling every POLL_SECONDS. */
  readonly fleetPerCore: number | null;
  /** The same, counting the database's CPU per check as well (PostgreSQL on the same machine). */
  readonly fleetPerCoreWithDatabase: number | null;
  /** What stopped the search: the step that failed, and whether the load generator was the limit. */
  readonly stoppedBy: string;
  /** Every step measured, in order, with its attempt and verdict. */
  readonly steps: Array<StepMeasurement & { readonly attempt: number; readonly passed: boolean }>;
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** Why a step failed, in words. */
export function failure(step: StepMeasurement): string {
  const reasons: string[] = [];
  if (step.errors > 0) reasons.push(`${step.errors} errors (${step.firstError ?? '?'})`);
  else if (step.completed < step.scheduled) reasons.push(`${step.scheduled - step.completed} unanswered`);
  if (step.p99Ms >= 100) reasons.push(`p99 ${round(step.p99Ms, 1)} ms`);
  // Late with a core to spare: descheduled (the machine was busy), not saturated.
  const who =
    step.clientCores >= CLIENT_BUSY_CORES
      ? `; load generator busy (${round(step.clientCores, 2)} cores): a lower bound`
      : step.lagP99Ms > CLIENT_LATE_MS
        ? `; load generator issued checks up to ${round(step.lagP99Ms, 1)} ms late at ${round(step.clientCores, 2)} cores busy`
        : '';
  const stalled =
    step.cpuStallShare !== null && step.cpuStallShare > 0.1
      ? `; tasks waited for a CPU ${Math.round(step.cpuStallShare * 100)}% of the step`
      : '';
  return `${step.rate}/s: ${reasons.join(', ')}${who}${stalled}`;
}

export function unavailableRow(configuration: string, mode: string, reason: string): FleetRow {
  return {
    configuration,
    mode,
    unavailable: reason,
    maxRate: null,
    p99Ms: null,
    serverCpuMsPerCheck: null,
    serverCores: null,
    databaseCpuMsPerCheck: null,
    clientCores: null,
    resumedShare: null,
    cpuStallShare: null,
    checksPerCoreSecond: null,
    fleetPerCore: null,
    fleetPerCoreWithDatabase: null,
    stoppedBy: 'not available',
    steps: [],
  };
}

/** A configuration's and mode's row: the figures of the highest step that met the criteria. */
export function fleetRow(configuration: string, mode: string, search: SearchResult<StepMeasurement>): FleetRow {
  const best = search.best?.measurement;
  const last = search.steps[search.steps.length - 1];
  const stoppedBy =
    last === undefined
      ? 'no step'
      : last.passed
        ? 'rates ran out'
        : `${failure(last.measurement)}${last.attempt > 1 ? ` (attempt ${last.attempt})` : ''}`;
  const steps = search.steps.map((step) => ({ ...step.measurement, attempt: step.attempt, passed: step.passed }));
  // No rate met the criteria: the CPU figures are still the server's, from the first step when
  // it had no errors (the table shows the latency it had).
  const first = search.steps[0]?.measurement;
  const figures = best ?? (first !== undefined && first.errors === 0 ? first : undefined);
  if (figures === undefined)
    return { ...unavailableRow(configuration, mode, ''), unavailable: undefined, stoppedBy, steps };
  const perCore = 1000 / Math.max(1e-9, figures.serverCpuMsPerCheck);
  const withDatabase =
    figures.databaseCpuMsPerCheck === null
      ? null
      : (1000 / Math.max(1e-9, figures.serverCpuMsPerCheck + figures.databaseCpuMsPerCheck)) * POLL_SECONDS;
  return {
    configuration,
    mode,
    maxRate: best === undefined ? null : best.rate,
    p99Ms: round(figures.p99Ms, 1),
    serverCpuMsPerCheck: round(figures.serverCpuMsPerCheck),
    serverCores: round(figures.serverCores, 2),
    databaseCpuMsPerCheck: figures.databaseCpuMsPerCheck === null ? null : round(figures.databaseCpuMsPerCheck),
    clientCores: round(figures.clientCores, 2),
    resumedShare: round(figures.resumedShare, 2),
    cpuStallShare: figures.cpuStallShare === null ? null : round(figures.cpuStallShare, 2),
    checksPerCoreSecond: Math.round(perCore),
    fleetPerCore: Math.round(perCore * POLL_SECONDS),
    fleetPerCoreWithDatabase: withDatabase === null ? null : Math.round(withDatabase),
    stoppedBy,
    steps,
  };
}

const shown = (value: number | null | undefined, suffix = '') =>
  value === null || value === undefined ? '–' : `${value.toLocaleString('en-US')}${suffix}`;

const percent = (share: number | null) => (share === null ? '–' : `${Math.round(share * 100)}%`);

/** The rows as a Markdown table, as printed and pasted into docs/performance.md. */
export function fleetTable(rows: readonly FleetRow[]): string {
  return [
    '| server | devices connect with | max checks/s (p99 < 100 ms, no errors; – none) | p99 | server CPU/check | server cores busy | DB CPU/check | load generator cores | resumed | CPU stall | devices per server core at 5 min | same, with DB CPU | stopped by |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) =>
      r.unavailable !== undefined
        ? `| ${r.configuration} | ${r.mode} | not available | | | | | | | | | | ${r.unavailable} |`
        : `| ${r.configuration} | ${r.mode} | ${shown(r.maxRate)} | ${shown(r.p99Ms, ' ms')} | ${shown(r.serverCpuMsPerCheck, ' ms')} | ${shown(r.serverCores)} | ${shown(r.databaseCpuMsPerCheck, ' ms')} | ${shown(r.clientCores)} | ${percent(r.resumedShare)} | ${percent(r.cpuStallShare)} | ${shown(r.fleetPerCore)} | ${shown(r.fleetPerCoreWithDatabase)} | ${r.stoppedBy} |`,
    ),
  ].join('\n');
}
