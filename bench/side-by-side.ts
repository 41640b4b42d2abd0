/**
 * `npm run bench:side-by-side`: several builds of fuota measured in the same rounds, to tell
 * whether a change moved a figure (one `npm run bench` per build, minutes apart on a shared
 * machine, moves more than most changes do).
 *
 * BENCH_MAINS: comma-separated paths of built `dist/src/main/main.js` files, e.g. this tree's
 * and a `git worktree` of the commit before, built with `npx tsc -p .` (its node_modules a
 * symlink to this tree's); `path|--flag --other` starts that build with those Node flags (one
 * build may appear twice, with and without). BENCH_PAUSE_MS: a pause before each measured run,
 * as a server idles in `npm run bench`'s rotation. BENCH_SCENARIOS: `check` (the device check kept alive over 64
 * connections, and with a new TLS connection each over 32, every build against one floor) and/or
 * `fleet` (kept-alive checks from 100,000 inventoried devices against 1,000, per build).
 * BENCH_ROUNDS (default 7) and BENCH_SECONDS (default 3) set the rounds. Prints each round's
 * ratios and, per build, the median CPU per request and the median of its per-round ratios.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEspImage } from '../test/support/esp-image-builder.js';
import { assignBenchDevice, AUTHORIZATION, CHECK, fuotaEnv } from './bench-device.js';
import { PINNED, pinLoadGenerator } from './cpu-pinning.js';
import { checkEveryDevice, seededCheck } from './fleet-load.js';
import type { Call, LoadTarget } from './load.js';
import { call, runLoad } from './load.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';
import type { RunningProcess } from './processes.js';
import { FUOTA_READY, startNode } from './processes.js';
import { seededDataDir } from './seeded-rows.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FLOOR = join(ROOT, 'dist', 'bench', 'floor-server.js');
const MAINS = (process.env.BENCH_MAINS ?? join(ROOT, 'dist', 'src', 'main', 'main.js')).split(',');
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'check,fleet').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PAUSE_MS = Number(process.env.BENCH_PAUSE_MS ?? 0);
const MiB = 1024 * 1024;

interface Measured {
  readonly label: string;
  readonly process: RunningProcess;
  readonly target: LoadTarget;
  readonly next: (i: number) => Call;
  readonly cpuMs: number[];
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** A BENCH_MAINS entry: the build's main.js, and the Node flags to start it with. */
function buildOf(spec: string): { main: string; nodeArgs: string[] } {
  const [main = '', flags = ''] = spec.split('|');
  return { main, nodeArgs: flags.split(' ').filter((flag) => flag !== '') };
}

async function startFuota(spec: string, dataDir: string): Promise<{ process: RunningProcess; target: LoadTarget }> {
  const env = fuotaEnv(dataDir);
  const { main, nodeArgs } = buildOf(spec);
  // The first start makes the certificate: the server measured is the one that runs every day.
  await (await startNode(main, env, FUOTA_READY, nodeArgs)).stop();
  const process = await startNode(main, env, FUOTA_READY, nodeArgs);
  const ca = await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');
  return { process, target: { port: process.port, ca, authorization: AUTHORIZATION } };
}

/** CPU milliseconds per request of one run against `server`. */
async function cpuPerRequest(server: Measured, keepAlive: boolean, concurrency: number, seconds: number) {
  if (seconds === SECONDS && PAUSE_MS > 0) await new Promise((resolvePromise) => setTimeout(resolvePromise, PAUSE_MS));
  const before = cpuSeconds(server.process.pid);
  const result = await runLoad(server.target, { concurrency, seconds, keepAlive, next: server.next });
  return ((cpuSeconds(server.process.pid) - before) * 1000) / Math.max(1, result.requests);
}

/** Rounds over `servers` in rotated order; `ratio` pairs each with its reference of the same round. */
async function rounds(
  name: string,
  servers: readonly Measured[],
  run: (server: Measured, seconds: number) => Promise<number>,
  pairs: ReadonlyArray<readonly [Measured, Measured]>,
): Promise<void> {
  for (const server of servers) server.cpuMs.length = 0;
  for (const server of servers) await run(server, 1);
  const ratios = pairs.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let i = 0; i < servers.length; i += 1) {
      const server = servers[(i + round) % servers.length] as Measured;
      server.cpuMs.push(await run(server, SECONDS));
    }
    pairs.forEach(([measured, reference], i) =>
      ratios[i]?.push((measured.cpuMs.at(-1) ?? 0) / (reference.cpuMs.at(-1) ?? 1)),
    );
    process.stdout.write(`${name} round ${round}: ${ratios.map((r) => (r.at(-1) ?? 0).toFixed(3)).join(' ')}\n`);
  }
  pairs.forEach(([measured, reference], i) =>
    process.stdout.write(
      `${name} ${measured.label}: ${median(measured.cpuMs).toFixed(4)} ms/request against ${reference.label}'s ` +
        `${median(reference.cpuMs).toFixed(4)}, ratio ${median(ratios[i] ?? []).toFixed(3)}\n`,
    ),
  );
}

async function checkScenarios(base: string, started: RunningProcess[]): Promise<void> {
  const image = buildEspImage({ version: '2.0.0', segmentLengths: [768 * 1024, 768 * 1024 - 64] });
  const files = join(base, 'floor-files');
  await mkdir(join(files, 'bench'), { recursive: true });
  await writeFile(join(files, 'bench', 'app-1.5m.bin'), image);
  const servers: Measured[] = [];
  for (const [b, main] of MAINS.entries()) {
    const dataDir = join(base, `check-${b}`);
    const { process, target } = await startFuota(main, dataDir);
    started.push(process);
    await call(target, false, { method: 'PUT', path: '/files/bench/app-1.5m.bin', body: image, expect: 200 });
    servers.push({ label: main, process, target, next: () => CHECK, cpuMs: [] });
  }
  const tls = join(base, 'check-0', 'tls');
  const floor = await startNode(
    FLOOR,
    {
      FLOOR_CERT: join(tls, 'cert.pem'),
      FLOOR_KEY: join(tls, 'key.pem'),
      FLOOR_FILES: files,
      FLOOR_AUTH: AUTHORIZATION,
    },
    /floor listening (\d+)\n/,
  );
  started.push(floor);
  const floorTarget = {
    port: floor.port,
    ca: await readFile(join(tls, 'cert.pem'), 'utf8'),
    authorization: AUTHORIZATION,
  };
  const floorServer: Measured = { label: 'floor', process: floor, target: floorTarget, next: () => CHECK, cpuMs: [] };
  servers.push(floorServer);
  for (const server of servers) await assignBenchDevice(server.target);
  const pairs = servers.slice(0, -1).map((server) => [server, floorServer] as const);
  await rounds('check kept alive', servers, (server, seconds) => cpuPerRequest(server, true, 64, seconds), pairs);
  await rounds('check new connection', servers, (server, seconds) => cpuPerRequest(server, false, 32, seconds), pairs);
}

async function fleetScenario(base: string, started: RunningProcess[]): Promise<void> {
  const seeded = new Map<number, string>();
  for (const count of [100_000, 1_000]) seeded.set(count, await seededDataDir(base, count));
  const servers: Measured[] = [];
  const pairs: Array<readonly [Measured, Measured]> = [];
  const emptyRss = new Map<Measured, number>();
  for (const [b, main] of MAINS.entries()) {
    const pair: Measured[] = [];
    for (const count of [100_000, 1_000]) {
      const dataDir = join(base, `fleet-${b}-${count}`);
      await cp(seeded.get(count) as string, dataDir, { recursive: true });
      const { process, target } = await startFuota(main, dataDir);
      started.push(process);
      const empty = rssBytes(process.pid);
      await checkEveryDevice(target, count);
      const offset = Math.floor(Math.random() * count);
      const server: Measured = {
        label: `${main} (${count} devices)`,
        process,
        target,
        next: (i) => seededCheck((offset + i) % count),
        cpuMs: [],
      };
      emptyRss.set(server, empty);
      pair.push(server);
      servers.push(server);
    }
    pairs.push([pair[0] as Measured, pair[1] as Measured]);
  }
  await rounds('fleet 100k vs 1k', servers, (server, seconds) => cpuPerRequest(server, true, 64, seconds), pairs);
  // The last inventory batch written (at most a second behind), then measured.
  await new Promise((resolvePromise) => setTimeout(resolvePromise, 2_000));
  for (const [large] of pairs) {
    const growth = (rssBytes(large.process.pid) - (emptyRss.get(large) ?? 0)) / MiB;
    process.stdout.write(`fleet ${large.label}: RSS above the empty server ${growth.toFixed(0)} MiB\n`);
  }
}

async function main(): Promise<void> {
  pinLoadGenerator();
  if (!PINNED) process.stdout.write('not pinned to CPUs (no taskset or one core): figures move more\n');
  const base = await mkdtemp(join(tmpdir(), 'fuota-side-by-side-'));
  const started: RunningProcess[] = [];
  try {
    if (SCENARIOS.includes('check')) await checkScenarios(base, started);
    if (SCENARIOS.includes('fleet')) await fleetScenario(base, started);
  } finally {
    await Promise.all(started.map((running) => running.stop().catch(() => {})));
    await rm(base, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`side-by-side: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
