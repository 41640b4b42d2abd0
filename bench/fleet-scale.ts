/**
 * `npm run bench:fleet`: the highest rate of update checks fuota sustains from a 100,000-device
 * fleet (p99 latency under 100 ms, no errors), each check on a new TLS connection as ESP32
 * devices make them, with and without TLS session resumption, for sql.js in one process and for
 * PostgreSQL with one and two worker processes; and from the server's CPU per check, the fleet
 * one server core carries at a 5-minute poll interval. Prints a table and writes
 * bench/results/fleet-scale.json. A benchmark, not a test: nothing here fails the build.
 * See docs/performance.md, "Fleet-scale benchmark".
 */
import 'reflect-metadata';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, whyUnusable } from '../test/support/postgres.js';
import type { TestDatabase } from '../test/support/postgres.js';
import { PINNED, pinLoadGenerator } from './cpu-pinning.js';
import { checkEveryDevice } from './fleet-load.js';
import type { FleetRow } from './fleet-report.js';
import { fleetRow, fleetTable, POLL_SECONDS, unavailableRow } from './fleet-report.js';
import type { FleetConfiguration, StartedFleetServer } from './fleet-servers.js';
import { FLEET_CONFIGURATIONS, startFleetServer } from './fleet-servers.js';
import type { StepSettings } from './fleet-step.js';
import { measureStep, meetsTarget, P99_LIMIT_MS } from './fleet-step.js';
import { seededDataDir, seedPostgresRows } from './seeded-rows.js';
import { risingRates, stepSearch } from './step-search.js';
import { SessionSlots, TLS_MODES } from './tls-modes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist', 'src', 'main', 'main.js');
const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SETTINGS = {
  devices: setting('BENCH_FLEET_DEVICES', 100_000),
  stepSeconds: setting('BENCH_FLEET_STEP_SECONDS', 10),
  warmUpSeconds: setting('BENCH_FLEET_WARM_UP_SECONDS', 2),
  startRate: setting('BENCH_FLEET_START_RATE', 100),
  factor: setting('BENCH_FLEET_FACTOR', 1.3),
  maxRate: setting('BENCH_FLEET_MAX_RATE', 20_000),
  attempts: setting('BENCH_FLEET_ATTEMPTS', 2),
  sessionSlots: 64,
};
/** Comma-separated parts of configuration or mode names to keep (all when unset). */
const only = (name: string) => (process.env[name] ?? '').split(',').filter((part) => part !== '');
const chosen = <T extends { name: string }>(items: readonly T[], variable: string) => {
  const parts = only(variable);
  return parts.length === 0 ? items : items.filter((item) => parts.some((part) => item.name.includes(part)));
};
const AUTH = { username: 'bench', password: 'bench-secret' };
const AUTHORIZATION = `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}`;
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Every TLS mode's step search against one running server. */
async function searchModes(configuration: FleetConfiguration, server: StartedFleetServer): Promise<FleetRow[]> {
  const rows: FleetRow[] = [];
  const cursor = { next: 0 };
  for (const mode of chosen(TLS_MODES, 'BENCH_FLEET_MODES')) {
    log(`  ${mode.name}`);
    const settings: StepSettings = {
      mode,
      seconds: SETTINGS.stepSeconds,
      warmUpSeconds: SETTINGS.warmUpSeconds,
      deviceCount: SETTINGS.devices,
      sessions: new SessionSlots(SETTINGS.sessionSlots),
      cursor,
      maxOutstanding: 2_000,
      timeoutMs: 10_000,
    };
    const search = await stepSearch(
      risingRates(SETTINGS.startRate, SETTINGS.factor, SETTINGS.maxRate),
      (rate) => measureStep(server, rate, settings),
      meetsTarget,
      {
        attempts: SETTINGS.attempts,
        onStep: ({ rate, measurement: m, passed, attempt }) =>
          log(
            `    ${rate}/s: p50 ${m.p50Ms.toFixed(1)} ms, p99 ${m.p99Ms.toFixed(1)} ms, ${m.errors} errors, server ${m.serverCpuMsPerCheck.toFixed(3)} ms/check ` +
              `(${m.serverCores.toFixed(2)} cores), load generator ${m.clientCores.toFixed(2)} cores, ` +
              `resumed ${Math.round(m.resumedShare * 100)}%, CPU stall ${m.cpuStallShare === null ? '?' : `${Math.round(m.cpuStallShare * 100)}%`} ${passed ? 'ok' : 'FAILED'}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
          ),
      },
    );
    rows.push(fleetRow(configuration.name, mode.name, search));
  }
  return rows;
}

/** Starts one configuration, fills its inventory when asked, runs every mode, stops it. */
async function measureConfiguration(
  configuration: FleetConfiguration,
  dataDir: string,
  databaseUrl: string | undefined,
  fillInventory: boolean,
): Promise<FleetRow[]> {
  log(`${configuration.name}`);
  const start = await startFleetServer(MAIN, configuration, {
    dataDir,
    databaseUrl,
    ...AUTH,
    authorization: AUTHORIZATION,
  });
  if (!start.available) {
    log(`  not available: ${start.reason}`);
    return chosen(TLS_MODES, 'BENCH_FLEET_MODES').map((mode) =>
      unavailableRow(configuration.name, mode.name, start.reason),
    );
  }
  try {
    if (fillInventory) {
      log(`  every one of ${SETTINGS.devices.toLocaleString('en-US')} devices checks once (the fleet inventory)`);
      await checkEveryDevice(start.server.target, SETTINGS.devices);
    }
    return await searchModes(configuration, start.server);
  } finally {
    await start.server.stop();
  }
}

async function main(): Promise<void> {
  pinLoadGenerator();
  const base = await mkdtemp(join(tmpdir(), 'fuota-bench-fleet-'));
  const loadBefore = loadavg();
  const rows: FleetRow[] = [];
  let database: TestDatabase | undefined;
  try {
    const configurations = chosen(FLEET_CONFIGURATIONS, 'BENCH_FLEET_CONFIGS');
    let postgres: { url?: string; problem?: string; filled: boolean } | undefined;
    for (const configuration of configurations) {
      if (configuration.storage === 'sqljs') {
        const dataDir = await seededDataDir(base, SETTINGS.devices);
        rows.push(...(await measureConfiguration(configuration, dataDir, undefined, true)));
        continue;
      }
      if (postgres === undefined) {
        const problem = await whyUnusable();
        if (problem === undefined) {
          database = await createTestDatabase();
          log(`PostgreSQL: ${SETTINGS.devices.toLocaleString('en-US')} device rows into ${database.name}`);
          await seedPostgresRows(database.url, SETTINGS.devices);
          postgres = { url: database.url, filled: false };
        } else postgres = { problem, filled: false };
      }
      if (postgres.url === undefined) {
        rows.push(...TLS_MODES.map((mode) => unavailableRow(configuration.name, mode.name, postgres?.problem ?? '')));
        continue;
      }
      const dataDir = join(base, `postgres-${configuration.workers}`);
      await mkdir(dataDir, { recursive: true });
      // The inventory lives in the database: the first PostgreSQL server fills it for the others.
      const measured = await measureConfiguration(configuration, dataDir, postgres.url, !postgres.filled);
      if (measured.some((row) => row.unavailable === undefined)) postgres.filled = true;
      rows.push(...measured);
    }
    const result = {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        loadAverageBefore: loadBefore.map((value) => Number(value.toFixed(2))),
        loadAverageAfter: loadavg().map((value) => Number(value.toFixed(2))),
      },
      settings: { ...SETTINGS, p99LimitMs: P99_LIMIT_MS, pollSeconds: POLL_SECONDS, pinned: PINNED },
      rows,
    };
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(join(ROOT, 'bench', 'results', 'fleet-scale.json'), `${JSON.stringify(result, null, 2)}\n`);
    log(
      `\nMeasured ${result.date.slice(0, 10)} on ${result.machine.cores} x ${result.machine.cpu}, Node ${result.machine.node}; ` +
        `${SETTINGS.devices.toLocaleString('en-US')} devices; steps of ${SETTINGS.stepSeconds} s after ${SETTINGS.warmUpSeconds} s of warm-up, ` +
        `from ${SETTINGS.startRate}/s by x${SETTINGS.factor}; ${PINNED ? 'load generator on CPU 0, server on CPU 1' : 'unpinned'}; ` +
        `load average ${result.machine.loadAverageBefore.join(' ')} before, ${result.machine.loadAverageAfter.join(' ')} after.\n`,
    );
    log(fleetTable(rows));
  } finally {
    await database?.drop().catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:fleet: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
