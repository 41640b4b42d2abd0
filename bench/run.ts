/**
 * `npm run bench`: fuota against a bare node:https floor, measured in the same run, interleaved,
 * each scenario repeated; prints a table and writes bench/results/latest.json. A benchmark, not a
 * test: nothing here fails the build.
 */
import 'reflect-metadata';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { request, Agent } from 'node:https';
import { buildEspImage } from '../test/support/esp-image-builder.js';
import type { LoadTarget } from './load.js';
import { call, runLoad } from './load.js';
import { assignBenchDevice, AUTHORIZATION, CHECK, fuotaEnv } from './bench-device.js';
import { checkEveryDevice, seededCheck } from './fleet-load.js';
import { PINNED, pinLoadGenerator } from './cpu-pinning.js';
import { cpuSeconds, rssBytes, sampleRss } from './proc-stats.js';
import type { RunningProcess } from './processes.js';
import { FUOTA_READY, startNode } from './processes.js';
import { seededDataDir } from './seeded-rows.js';
import { deltaRows } from './delta-patches.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist', 'src', 'main', 'main.js');
const FLOOR = join(ROOT, 'dist', 'bench', 'floor-server.js');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARM_UP_SECONDS = 1;
const MiB = 1024 * 1024;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * fuota, the floor, the control: a second floor process, identical to the first (the ratio
 * control/floor is what an identical server scores on this machine at that moment, so it says how
 * far a fuota/floor ratio can be trusted), and the heavy floor: the floor holding as much heap as
 * fuota does (its modules' code and data), to show what a heap of that size alone costs.
 */
type Name = 'fuota' | 'floor' | 'control' | 'heavy';

interface Server {
  readonly name: Name;
  readonly process: RunningProcess;
  readonly target: LoadTarget;
}

type Sample = Record<string, number>;

/** Per server: the median of each figure; per server but the floor: the median of its per-round ratios to the floor. */
interface Summary {
  readonly medians: Partial<Record<Name, Sample>>;
  readonly ratios: Partial<Record<Name, Sample>>;
}

async function startFuota(dataDir: string): Promise<RunningProcess> {
  return startNode(MAIN, fuotaEnv(dataDir), FUOTA_READY);
}

/** Measures `work` against a server: its CPU seconds and the work's own result. */
async function measured<T>(server: Server, work: () => Promise<T>): Promise<{ result: T; cpu: number }> {
  const before = cpuSeconds(server.process.pid);
  const result = await work();
  return { result, cpu: cpuSeconds(server.process.pid) - before };
}

/**
 * Runs `runOne` REPEATS times for each name, rotating which goes first, and compares each run with
 * the floor's run of the same round: on a shared machine the load of the moment moves both, and a
 * ratio of runs taken seconds apart is steadier than a ratio of medians.
 */
async function rounds(names: readonly Name[], runOne: (name: Name) => Promise<Sample>): Promise<Summary> {
  const results: Partial<Record<Name, Sample[]>> = {};
  for (let round = 0; round < REPEATS; round += 1) {
    for (let i = 0; i < names.length; i += 1) {
      const name = names[(i + round) % names.length] as Name;
      (results[name] ??= []).push(await runOne(name));
    }
  }
  const medians: Partial<Record<Name, Sample>> = {};
  const ratios: Partial<Record<Name, Sample>> = {};
  const floorRuns = results.floor ?? [];
  for (const name of names) {
    const runs = results[name] ?? [];
    const keys = Object.keys(runs[0] ?? {});
    medians[name] = Object.fromEntries(keys.map((key) => [key, median(runs.map((run) => run[key] ?? 0))]));
    if (name !== 'floor' && floorRuns.length > 0) {
      ratios[name] = Object.fromEntries(
        keys.map((key) => [
          key,
          median(runs.map((run, i) => (run[key] ?? 0) / Math.max(1e-9, floorRuns[i]?.[key] ?? 0))),
        ]),
      );
    }
  }
  return { medians, ratios };
}

/** `rounds` over running servers, each first warmed up (JIT, caches, TLS) by an unmeasured run. */
async function interleaved(
  servers: readonly Server[],
  scenario: (server: Server) => Promise<Sample>,
  warmUp?: (server: Server) => Promise<unknown>,
): Promise<Summary> {
  if (warmUp !== undefined) for (const server of servers) await warmUp(server);
  const byName = new Map(servers.map((server) => [server.name, server]));
  return rounds(
    servers.map((server) => server.name),
    (name) => scenario(byName.get(name) as Server),
  );
}

const DOWNLOAD = { method: 'GET', path: '/files/bench/app-1.5m.bin', expect: 200 } as const;

async function checkScenario(server: Server, keepAlive: boolean, concurrency: number, seconds = SECONDS) {
  const { result, cpu } = await measured(server, () =>
    runLoad(server.target, { concurrency, seconds, keepAlive, next: () => CHECK }),
  );
  return {
    rps: result.requests / result.seconds,
    cpuMsPerRequest: (cpu * 1000) / Math.max(1, result.requests),
    failures: result.failures,
  };
}

async function downloadScenario(server: Server, seconds = SECONDS) {
  const { result, cpu } = await measured(server, () =>
    runLoad(server.target, { concurrency: 32, seconds, keepAlive: true, next: () => DOWNLOAD }),
  );
  const mib = result.bytes / MiB;
  return {
    mibPerSecond: mib / result.seconds,
    cpuMsPerMiB: (cpu * 1000) / Math.max(1, mib),
    failures: result.failures,
  };
}

async function manyDownloadsRss(server: Server, size: number) {
  const baseline = rssBytes(server.process.pid);
  const sampler = sampleRss(server.process.pid);
  const agent = new Agent({ keepAlive: false, maxSockets: 200 });
  const bytes = await Promise.all(
    Array.from({ length: 200 }, () =>
      call(server.target, agent, { method: 'GET', path: '/files/bench/app-4m.bin', expect: 200 }),
    ),
  );
  agent.destroy();
  const peak = sampler.stop();
  if (bytes.some((count) => count !== size)) throw new Error('a download came back short');
  return { rssGrowthMiB: (peak - baseline) / MiB };
}

async function uploadRss(server: Server, size: number) {
  const baseline = rssBytes(server.process.pid);
  const sampler = sampleRss(server.process.pid);
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  await new Promise<void>((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.target.port,
        method: 'PUT',
        path: '/files/bench/huge.bin?validate=false',
        ca: server.target.ca,
        servername: 'localhost',
        headers: { Authorization: AUTHORIZATION, 'Content-Length': size, 'Content-Type': 'application/octet-stream' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolvePromise() : reject(new Error(`upload: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    Readable.from(
      (function* () {
        for (let sent = 0; sent < size; sent += chunk.length)
          yield chunk.subarray(0, Math.min(chunk.length, size - sent));
      })(),
    ).pipe(req);
  });
  return { rssGrowthMiB: (sampler.stop() - baseline) / MiB };
}

async function writeRate(server: Server) {
  const { result } = await measured(server, () =>
    runLoad(server.target, {
      concurrency: 1,
      seconds: SECONDS,
      keepAlive: true,
      next: (i) => ({
        method: 'PUT',
        path: `/devices/w-${i % 5000}`,
        headers: { 'Content-Type': 'text/csv' },
        body: `"w-${i % 5000}","1.${i}","bench/app-1.5m.bin"`,
        expect: 200,
      }),
    }),
  );
  return { writesPerSecond: result.requests / result.seconds, failures: result.failures };
}

/** fuota's V8 heap in use, from its own metrics. */
async function heapInUseMiB(target: LoadTarget): Promise<number> {
  const text = await new Promise<string>((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: '/metrics',
        ca: target.ca,
        servername: 'localhost',
        headers: { Authorization: target.authorization },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolvePromise(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
  const match = /^fuota_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)$/m.exec(text);
  if (match?.[1] === undefined) throw new Error('fuota_nodejs_heap_size_used_bytes is not in /metrics');
  return Number(match[1]) / MiB;
}

async function timeListing(target: LoadTarget): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  const bytes = await call(target, false, { method: 'GET', path: '/devices', expect: 200 });
  return { seconds: (performance.now() - started) / 1000, bytes };
}

interface Row {
  readonly scenario: string;
  readonly fuota: number;
  readonly floor: number | null;
  /** The median of the per-round ratios fuota/floor. */
  readonly ratio: number | null;
  /** The same for the control (a second floor): what an identical server scored. */
  readonly control: number | null;
  /** The same for the floor holding fuota's heap. */
  readonly heavy: number | null;
  readonly unit: string;
  readonly target: string;
  readonly met: boolean;
}

const rounded = (value: number | undefined) => (value === undefined ? null : Number(value.toFixed(3)));

/** A row held to a ratio against the floor: `atLeast` or `atMost` times the floor's figure. */
function compared(
  scenario: string,
  summary: Summary,
  key: string,
  unit: string,
  target: string,
  limit: { atLeast?: number; atMost?: number },
): Row {
  const ratio = summary.ratios.fuota?.[key] ?? Number.NaN;
  const met =
    limit.atLeast !== undefined ? ratio >= limit.atLeast : limit.atMost !== undefined ? ratio <= limit.atMost : true;
  return {
    scenario,
    fuota: rounded(summary.medians.fuota?.[key]) ?? 0,
    floor: rounded(summary.medians.floor?.[key]),
    ratio: rounded(ratio),
    control: rounded(summary.ratios.control?.[key]),
    heavy: rounded(summary.ratios.heavy?.[key]),
    unit,
    target,
    met,
  };
}

/** A row held to an absolute figure. */
function absolute(scenario: string, value: number, unit: string, target: string, met: boolean): Row {
  return {
    scenario,
    fuota: rounded(value) ?? 0,
    floor: null,
    ratio: null,
    control: null,
    heavy: null,
    unit,
    target,
    met,
  };
}

/**
 * Two servers on the seeded data dirs, one with 1,000 device rows and one with 100,000: every
 * device checks once (so the larger inventory holds 100,000 entries), then both take rounds of
 * kept-alive checks, each from a different device in turn (a fleet, not one device), told 204.
 * Here the "floor" is the 1,000-device server. RSS is measured on the larger one before its first
 * check and after the rounds (after the inventory's batches have been written), and its CPU time
 * over the first checks (each adds an entry and a first-seen event).
 */
async function fleetScale(
  base: string,
): Promise<{ summary: Summary; rssGrowthMiB: number; firstCheckCpuMs: number; processes: RunningProcess[] }> {
  const servers: Server[] = [];
  const processes: RunningProcess[] = [];
  let emptyRss = 0;
  let firstCheckCpuMs = 0;
  for (const [name, count] of [
    ['fuota', 100_000],
    ['floor', 1_000],
  ] as const) {
    const dataDir = join(base, `rows-${count}`);
    const running = await startFuota(dataDir);
    processes.push(running);
    const target = {
      port: running.port,
      ca: await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8'),
      authorization: AUTHORIZATION,
    };
    if (name === 'fuota') emptyRss = rssBytes(running.pid);
    const cpuBefore = cpuSeconds(running.pid);
    await checkEveryDevice(target, count);
    if (name === 'fuota') {
      // The last batch of entries and first-seen events (at most a second behind) counted too.
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_500));
      firstCheckCpuMs = ((cpuSeconds(running.pid) - cpuBefore) * 1000) / count;
    }
    servers.push({ name, process: running, target });
  }
  const counts: Record<string, number> = { fuota: 100_000, floor: 1_000 };
  const scenario = async (server: Server, seconds = SECONDS) => {
    const count = counts[server.name] ?? 1;
    const offset = Math.floor(Math.random() * count);
    const { result, cpu } = await measured(server, () =>
      runLoad(server.target, {
        concurrency: 64,
        seconds,
        keepAlive: true,
        next: (i) => seededCheck((offset + i) % count),
      }),
    );
    return { rps: result.requests / result.seconds, cpuMsPerRequest: (cpu * 1000) / Math.max(1, result.requests) };
  };
  const summary = await interleaved(
    servers,
    (server) => scenario(server),
    (server) => scenario(server, WARM_UP_SECONDS),
  );
  // The last batch of the inventory written (at most a second behind), then measured.
  await new Promise((resolvePromise) => setTimeout(resolvePromise, 2_000));
  const rssGrowthMiB = (rssBytes(servers[0]!.process.pid) - emptyRss) / MiB;
  return { summary, rssGrowthMiB, firstCheckCpuMs, processes };
}

async function main(): Promise<void> {
  pinLoadGenerator();
  const base = await mkdtemp(join(tmpdir(), 'fuota-bench-'));
  const started: RunningProcess[] = [];
  try {
    const dataDir = join(base, 'fuota');
    // The first start makes the dev certificate; the server measured is the one that runs every
    // day after that (as a restart or a mounted certificate gives).
    await (await startFuota(dataDir)).stop();
    const fuota = await startFuota(dataDir);
    started.push(fuota);
    const ca = await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');
    // Read before the setup's uploads leave garbage in it.
    const fuotaHeapMiB = await heapInUseMiB({ port: fuota.port, ca, authorization: AUTHORIZATION });
    const floorFiles = join(base, 'floor-files');
    await mkdir(join(floorFiles, 'bench'), { recursive: true });
    const startFloor = (tlsDir: string, heapMiB = 0) =>
      startNode(
        FLOOR,
        {
          FLOOR_CERT: join(tlsDir, 'tls', 'cert.pem'),
          FLOOR_KEY: join(tlsDir, 'tls', 'key.pem'),
          FLOOR_FILES: floorFiles,
          FLOOR_AUTH: AUTHORIZATION,
          FLOOR_HEAP_MIB: String(heapMiB),
        },
        /floor listening (\d+)\n/,
      );
    const floor = await startFloor(dataDir);
    started.push(floor);
    const control = await startFloor(dataDir);
    started.push(control);
    const servers: Server[] = [
      { name: 'fuota', process: fuota, target: { port: fuota.port, ca, authorization: AUTHORIZATION } },
      { name: 'floor', process: floor, target: { port: floor.port, ca, authorization: AUTHORIZATION } },
      { name: 'control', process: control, target: { port: control.port, ca, authorization: AUTHORIZATION } },
    ];

    const image15 = buildEspImage({ version: '2.0.0', segmentLengths: [768 * 1024, 768 * 1024 - 64] });
    const image4 = buildEspImage({ version: '2.0.0', segmentLengths: [2 * MiB, 2 * MiB - 96] });
    for (const [path, bytes] of [
      ['bench/app-1.5m.bin', image15],
      ['bench/app-4m.bin', image4],
    ] as const) {
      await writeFile(join(floorFiles, path), bytes);
      await call(servers[0]!.target, false, { method: 'PUT', path: `/files/${path}`, body: bytes, expect: 200 });
    }
    const heavy = await startFloor(dataDir, fuotaHeapMiB);
    started.push(heavy);
    servers.push({ name: 'heavy', process: heavy, target: { port: heavy.port, ca, authorization: AUTHORIZATION } });
    for (const server of servers) await assignBenchDevice(server.target);

    const rows: Row[] = [];
    process.stdout.write('1. device check, keep-alive, 64 connections\n');
    const keepAlive = await interleaved(
      servers,
      (server) => checkScenario(server, true, 64),
      (server) => checkScenario(server, true, 64, WARM_UP_SECONDS),
    );
    rows.push(
      compared('check, keep-alive (64 conns): requests/s', keepAlive, 'rps', 'req/s', '>= 0.75x floor', {
        atLeast: 0.75,
      }),
    );
    rows.push(
      compared('check, keep-alive: server CPU ms/request', keepAlive, 'cpuMsPerRequest', 'ms', '<= 1.33x floor', {
        atMost: 1.33,
      }),
    );

    process.stdout.write('2. device check, a new TLS connection per request, 32 at once\n');
    const fresh = await interleaved(
      servers,
      (server) => checkScenario(server, false, 32),
      (server) => checkScenario(server, false, 32, WARM_UP_SECONDS),
    );
    rows.push(
      compared('check, new TLS connection each (32): requests/s', fresh, 'rps', 'req/s', '>= 0.9x floor', {
        atLeast: 0.9,
      }),
    );
    rows.push(
      compared('check, new connection: server CPU ms/request', fresh, 'cpuMsPerRequest', 'ms', '<= 1.1x floor', {
        atMost: 1.1,
      }),
    );

    process.stdout.write('3. download of a 1.5 MiB image, 32 connections\n');
    const download = await interleaved(
      servers,
      (server) => downloadScenario(server),
      (server) => downloadScenario(server, WARM_UP_SECONDS),
    );
    rows.push(
      compared('download 1.5 MiB (32 conns): MiB/s', download, 'mibPerSecond', 'MiB/s', '>= 0.9x floor', {
        atLeast: 0.9,
      }),
    );
    rows.push(compared('download: server CPU ms/MiB', download, 'cpuMsPerMiB', 'ms', '(informative)', {}));

    process.stdout.write('4. RSS growth while 200 clients download a 4 MiB image at once\n');
    // Fresh processes for each run: RSS rarely shrinks, so growth is only meaningful from a
    // baseline taken after one warm-up download on a server that has done nothing else.
    const rssDir = join(base, 'rss');
    const preparing = await startFuota(rssDir);
    const rssCa = await readFile(join(rssDir, 'tls', 'cert.pem'), 'utf8');
    await call({ port: preparing.port, ca: rssCa, authorization: AUTHORIZATION }, false, {
      method: 'PUT',
      path: '/files/bench/app-4m.bin',
      body: image4,
      expect: 200,
    });
    await preparing.stop();
    const many = await rounds(['fuota', 'floor', 'control'], async (name) => {
      const running = name === 'fuota' ? await startFuota(rssDir) : await startFloor(rssDir);
      try {
        const server: Server = {
          name,
          process: running,
          target: { port: running.port, ca: rssCa, authorization: AUTHORIZATION },
        };
        await call(server.target, false, { method: 'GET', path: '/files/bench/app-4m.bin', expect: 200 });
        return await manyDownloadsRss(server, image4.length);
      } finally {
        await running.stop();
      }
    });
    rows.push(
      compared('200 concurrent 4 MiB downloads: RSS growth', many, 'rssGrowthMiB', 'MiB', '<= 1.25x floor', {
        atMost: 1.25,
      }),
    );

    process.stdout.write('5. RSS growth while one client uploads 200 MiB\n');
    const upload = await uploadRss(servers[0]!, 200 * MiB);
    rows.push(
      absolute('one 200 MiB upload: RSS growth', upload.rssGrowthMiB, 'MiB', '<= 32 MiB', upload.rssGrowthMiB <= 32),
    );

    process.stdout.write('6. PUT /devices rate with 1,000 vs 100,000 rows stored\n');
    const small = await startFuota(await seededDataDir(base, 1_000));
    started.push(small);
    const large = await startFuota(await seededDataDir(base, 100_000));
    started.push(large);
    // Here the "floor" is the same server with 1,000 rows.
    const writeServers: Server[] = [
      {
        name: 'fuota',
        process: large,
        target: {
          port: large.port,
          ca: await readFile(join(base, 'rows-100000', 'tls', 'cert.pem'), 'utf8'),
          authorization: AUTHORIZATION,
        },
      },
      {
        name: 'floor',
        process: small,
        target: {
          port: small.port,
          ca: await readFile(join(base, 'rows-1000', 'tls', 'cert.pem'), 'utf8'),
          authorization: AUTHORIZATION,
        },
      },
    ];
    const writes = await interleaved(writeServers, writeRate);
    rows.push(
      compared(
        'PUT /devices/<id>, 100k rows vs 1k rows: writes/s',
        writes,
        'writesPerSecond',
        'writes/s',
        '>= 0.5x (1k rows)',
        { atLeast: 0.5 },
      ),
    );

    process.stdout.write('7. GET /devices and start-up with 100,000 rows\n');
    const listings = [];
    for (let i = 0; i < REPEATS; i += 1) listings.push(await timeListing(writeServers[0]!.target));
    const listingSeconds = median(listings.map((l) => l.seconds));
    rows.push(absolute('GET /devices, 100k rows: seconds', listingSeconds, 's', '< 1 s', listingSeconds < 1));
    await large.stop();
    const startups = [];
    for (let i = 0; i < REPEATS; i += 1) {
      const again = await startFuota(join(base, 'rows-100000'));
      startups.push(again.startupMs / 1000);
      await again.stop();
    }
    const startup = median(startups);
    rows.push(absolute('start-up with 100k rows (spawn to listening): seconds', startup, 's', '< 2 s', startup < 2));

    // The 1,000-row server of step 6 holds that data dir, which step 8 starts a server on again.
    await small.stop();
    process.stdout.write('8. checks from 100,000 inventoried devices (distinct ids) vs 1,000\n');
    const fleet = await fleetScale(base);
    started.push(...fleet.processes);
    rows.push(
      compared(
        'check, 100k inventoried devices vs 1k: server CPU ms/check',
        fleet.summary,
        'cpuMsPerRequest',
        'ms',
        '<= 1.1x (1k devices)',
        { atMost: 1.1 },
      ),
      absolute(
        'inventory of 100k devices: RSS above the empty server',
        fleet.rssGrowthMiB,
        'MiB',
        '<= 150 MiB',
        fleet.rssGrowthMiB <= 150,
      ),
      // Each first check adds an entry and a first-seen event: what a fleet's first contact costs.
      absolute(
        'first check of each of 100k new devices: server CPU ms/check',
        fleet.firstCheckCpuMs,
        'ms',
        '(informative)',
        true,
      ),
    );

    process.stdout.write(
      '9. delta patches: creation time and memory (1.5 and 4 MiB pairs), sizes of the golden pairs\n',
    );
    for (const row of await deltaRows()) {
      // The golden pairs' "floor" is detools' own patch of the same pair.
      const reference =
        row.reference === null ? {} : { floor: row.reference, ratio: rounded(row.value / row.reference) };
      rows.push({ ...absolute(row.scenario, row.value, row.unit, row.target, row.met), ...reference });
    }

    const result = {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
      },
      settings: { repeats: REPEATS, secondsPerRun: SECONDS, warmUpSeconds: WARM_UP_SECONDS, pinned: PINNED },
      fuotaHeapMiB: Number(fuotaHeapMiB.toFixed(1)),
      rows,
    };
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`\n${markdownTable(result)}\n`);
  } finally {
    await Promise.all(started.map((p) => p.stop().catch(() => {})));
    await rm(base, { recursive: true, force: true });
  }
}

function markdownTable(result: {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  fuotaHeapMiB: number;
  rows: Row[];
}): string {
  const lines = [
    `Measured ${result.date.slice(0, 10)} on ${result.machine.cores} × ${result.machine.cpu}, Node ${result.machine.node}; ${REPEATS} interleaved rounds of ${SECONDS} s after a warm-up; ${PINNED ? 'load generator on CPU 0, servers on CPU 1; ' : 'unpinned; '}medians, and ratios as the median of each round's ratio.`,
    '',
    `fuota's heap in use: ${result.fuotaHeapMiB.toFixed(1)} MiB. control: a second, identical floor; heavy floor: the floor holding that much heap.`,
    '',
    '| scenario | fuota | floor | ratio | control | heavy floor | target | met |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...result.rows.map(
      (r) =>
        `| ${r.scenario} | ${r.fuota} | ${r.floor ?? '–'} | ${r.ratio ?? '–'} | ${r.control ?? '–'} | ${r.heavy ?? '–'} | ${r.target} | ${r.met ? 'yes' : 'no'} |`,
    ),
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
