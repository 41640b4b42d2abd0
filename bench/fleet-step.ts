import { cpuStallMicroseconds, stallShare } from './cpu-pressure.js';
import { seededCheck } from './fleet-load.js';
import { runOpenLoop } from './open-loop.js';
import { percentile } from './percentile.js';
import { cpuBetween, cpuByPid, processTree } from './process-tree.js';
import type { CheckTarget } from './tls-check.js';
import { tlsCheck } from './tls-check.js';
import type { SessionSlots, TlsMode } from './tls-modes.js';

/** A running server as the steps see it: where to send checks, and whose CPU to count. */
export interface MeasuredServer {
  readonly target: CheckTarget;
  /** The server's process; its descendants (node:cluster workers) are counted with it. */
  readonly pid: number;
  /** The database's processes serving this server (PostgreSQL backends), when it has any. */
  readonly databasePids?: () => Promise<number[]>;
}

export interface StepSettings {
  readonly mode: TlsMode;
  readonly seconds: number;
  readonly warmUpSeconds: number;
  readonly deviceCount: number;
  readonly sessions: SessionSlots;
  /** The next device to check; steps go on through the fleet where the last one stopped. */
  readonly cursor: { next: number };
  readonly maxOutstanding: number;
  readonly timeoutMs: number;
}

export interface StepMeasurement {
  readonly rate: number;
  readonly scheduled: number;
  readonly completed: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The 99th percentile of how late the load generator issued a check. */
  readonly lagP99Ms: number;
  /** Of the checks completed, the share whose TLS session was resumed. */
  readonly resumedShare: number;
  /** Server process tree CPU per completed check. */
  readonly serverCpuMsPerCheck: number;
  /** Server process tree CPU per second of the step: cores kept busy. */
  readonly serverCores: number;
  /** The load generator's own CPU per second of the step. */
  readonly clientCores: number;
  /** The database's backends' CPU per completed check, when there is a database process. */
  readonly databaseCpuMsPerCheck: number | null;
  readonly serverProcesses: number;
  /** The share of the step during which some task on the machine waited for a CPU (PSI). */
  readonly cpuStallShare: number | null;
}

/** The step's criteria: every check answered as expected, with p99 latency under 100 ms. */
export const P99_LIMIT_MS = 100;
export const meetsTarget = (m: StepMeasurement) =>
  m.errors === 0 && m.completed === m.scheduled && m.p99Ms < P99_LIMIT_MS;

/** Runs `seconds` of checks at `rate` in the open loop; resolves with the raw result and resumptions. */
async function checksAt(server: MeasuredServer, rate: number, seconds: number, settings: StepSettings) {
  const first = settings.cursor.next;
  let resumed = 0;
  const expect = seededCheck(0).expect;
  const result = await runOpenLoop({
    rate,
    seconds,
    maxOutstanding: settings.maxOutstanding,
    issue: async (i) => {
      const device = (first + i) % settings.deviceCount;
      const answer = await tlsCheck(server.target, {
        path: seededCheck(device).path,
        maxVersion: settings.mode.maxVersion,
        session: settings.mode.resume ? settings.sessions.get(device) : undefined,
        timeoutMs: settings.timeoutMs,
      });
      if (settings.mode.resume) settings.sessions.set(device, answer.session);
      if (answer.resumed) resumed += 1;
      if (answer.status !== expect) throw new Error(`check answered ${answer.status}, not ${expect}`);
    },
  });
  settings.cursor.next = (first + result.scheduled) % settings.deviceCount;
  return { result, resumed };
}

/** A warm-up at `rate` (unmeasured: JIT, pools, sessions), then a measured step at the same rate. */
export async function measureStep(
  server: MeasuredServer,
  rate: number,
  settings: StepSettings,
): Promise<StepMeasurement> {
  if (settings.warmUpSeconds > 0) await checksAt(server, rate, settings.warmUpSeconds, settings);
  const tree = processTree(server.pid);
  const databasePids = (await server.databasePids?.()) ?? [];
  const serverBefore = cpuByPid(tree);
  const databaseBefore = cpuByPid(databasePids);
  const clientBefore = process.cpuUsage();
  const stallBefore = cpuStallMicroseconds();
  const { result, resumed } = await checksAt(server, rate, settings.seconds, settings);
  const client = process.cpuUsage(clientBefore);
  const stallAfter = cpuStallMicroseconds();
  const serverCpu = cpuBetween(serverBefore, cpuByPid(tree));
  const databaseCpu = cpuBetween(databaseBefore, cpuByPid(databasePids));
  const checks = Math.max(1, result.completed);
  return {
    rate,
    scheduled: result.scheduled,
    completed: result.completed,
    errors: result.errors,
    firstError: result.firstError,
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    lagP99Ms: percentile(result.lagsMs, 99),
    resumedShare: result.completed === 0 ? 0 : resumed / result.completed,
    serverCpuMsPerCheck: (serverCpu * 1000) / checks,
    serverCores: serverCpu / result.seconds,
    clientCores: (client.user + client.system) / 1e6 / result.seconds,
    databaseCpuMsPerCheck: databasePids.length === 0 ? null : (databaseCpu * 1000) / checks,
    serverProcesses: tree.length,
    cpuStallShare: stallShare(stallBefore, stallAfter, result.seconds),
  };
}
