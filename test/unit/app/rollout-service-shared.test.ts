import { expect } from 'chai';
import { InMemoryAuditLog } from '../../../src/adapters/outbound/memory/in-memory-audit-log.js';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryPenaltyClearanceStore } from '../../../src/adapters/outbound/memory/in-memory-penalty-clearance-store.js';
import { InProcessRolloutLocks } from '../../../src/adapters/outbound/memory/in-process-rollout-locks.js';
import { InMemoryRolloutStore } from '../../../src/adapters/outbound/memory/in-memory-rollout-store.js';
import { semverVersionScheme } from '../../../src/adapters/outbound/semver/semver-version-scheme.js';
import { DEFAULT_AUDIT_SETTINGS } from '../../../src/app/audit/audit-settings.js';
import { AuditTrail, localSource } from '../../../src/app/audit/audit-trail.js';
import { DEFAULT_FLEET_SETTINGS } from '../../../src/app/fleet/fleet-settings.js';
import { FleetTracker, type FleetStores } from '../../../src/app/fleet/fleet-tracker.js';
import { RolloutService, type RolloutStores } from '../../../src/app/rollout/rollout-service.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { RolloutInput } from '../../../src/domain/rollout/rollout-definition.js';
import type { RolloutId } from '../../../src/domain/rollout/rollout-id.js';
import type { Rollout } from '../../../src/domain/rollout/rollout.js';
import { isInWave, waveBucket } from '../../../src/domain/rollout/wave-bucket.js';
import { eventually } from '../../support/eventually.js';
import { memoryFleetStores } from '../../support/fleet-stores.js';
import { imageFile } from '../../support/image-files.js';
import { storeBytes } from '../../support/stored-bytes.js';
import { RecordingLogger } from '../../support/test-server.js';

const TARGET = imageFile('fw/app-2.0.0.bin', { version: '2.0.0' });
const RUNNING = imageFile('fw/app-1.0.0.bin', { version: '1.0.0' });
const OPERATOR = localSource('test');
const ADDRESS = '10.0.0.7';

/** The in-process locks as several servers on one database see them: shared, one holder at a time. */
class SharedLocks extends InProcessRolloutLocks {
  override readonly shared = true;
}

/** One server: its fleet tracker and rollout service, on the stores every server shares. */
interface Server {
  readonly tracker: FleetTracker;
  readonly service: RolloutService;
  /** Makes this server's writes of rollouts fail (its own connection to the database, say) until `recover`. */
  failWrites(): void;
  recover(): void;
}

/**
 * Two servers on one storage (the fleet's stores, the rollouts, the attempts, the events) and one
 * set of rollout locks, as two fuota instances on one PostgreSQL database are. What another
 * server wrote is heard as FleetChanges hears it: `reloadDevices` for attempts, `reload` for
 * rollouts, called by the tests.
 */
describe('RolloutService, two servers on one storage', () => {
  let time: number;
  let fleetStores: FleetStores;
  let rollouts: InMemoryRolloutStore;
  let shared: RolloutStores;
  let servers: Server[];
  const logger = new RecordingLogger();

  async function openServer(stores: Partial<RolloutStores> = {}): Promise<Server> {
    const tracker = await FleetTracker.open(
      fleetStores,
      { ...DEFAULT_FLEET_SETTINGS, flushIntervalMs: 20 },
      logger,
      () => time,
    );
    // Other servers share the storage (FleetChanges tells the tracker so in a running server).
    tracker.sharesStorage(() => true);
    let failing = false;
    const own: RolloutStores['rollouts'] = {
      list: () => rollouts.list(),
      put: (rollout: Rollout) =>
        failing ? Promise.reject(new Error('Connection terminated unexpectedly')) : rollouts.put(rollout),
    } as RolloutStores['rollouts'];
    const audit = new AuditTrail(new InMemoryAuditLog(), DEFAULT_AUDIT_SETTINGS, logger, () => time);
    const service = await RolloutService.open(
      { ...shared, rollouts: own, ...stores },
      tracker,
      audit,
      semverVersionScheme,
      logger,
      10,
    );
    const server: Server = {
      tracker,
      service,
      failWrites: () => (failing = true),
      recover: () => (failing = false),
    };
    servers.push(server);
    return server;
  }

  beforeEach(async () => {
    time = Date.UTC(2026, 10, 1);
    fleetStores = memoryFleetStores();
    for (const file of [TARGET, RUNNING]) await fleetStores.catalog.put(file);
    const files = new InMemoryBlobStore();
    for (const file of [TARGET, RUNNING]) await storeBytes(files, file.path);
    rollouts = new InMemoryRolloutStore();
    shared = {
      rollouts,
      clearances: new InMemoryPenaltyClearanceStore(),
      locks: new SharedLocks(),
      attempts: fleetStores.attempts,
      files,
    };
    servers = [];
  });

  /** Stops every server: their writes and events settle. */
  async function stopped(): Promise<void> {
    for (const server of servers.splice(0)) {
      await server.service.close();
      await server.tracker.close();
    }
  }

  afterEach(stopped);

  /** One poll through `server` for a device without a row: the offer path or undefined. */
  async function poll(server: Server, deviceId: string, version: string): Promise<string | undefined> {
    const lease = await server.service.policyFor(deviceId as DeviceId, version);
    try {
      const outcome = server.tracker.recordCheck({
        deviceId: deviceId as DeviceId,
        version,
        address: ADDRESS,
        auth: 'shared',
        status: 404,
        assigned: false,
        ...(lease === undefined ? {} : { policy: lease.policy }),
      });
      await outcome.written;
      return outcome.offerPath;
    } finally {
      await lease?.release();
    }
  }

  /** The whole offered file downloaded through `server`. */
  function download(server: Server, path: string | undefined): void {
    const attempt = path === undefined ? undefined : server.tracker.offeredAttempt(path);
    expect(attempt, `no attempt for ${path}`).to.not.equal(undefined);
    server.tracker
      .downloadRequested({ path: attempt!.file, deviceId: undefined, address: ADDRESS, offeredTo: attempt!.deviceId })
      ?.ended(0, attempt!.fileSize);
  }

  /** The device takes its offer through `server`, boots the target and polls until its attempt succeeded. */
  async function updates(server: Server, device: string): Promise<void> {
    download(server, await poll(server, device, '1.0.0'));
    for (let i = 0; i < 3; i += 1) {
      time += 60_000;
      await poll(server, device, '2.0.0');
    }
    expect(server.tracker.currentAttempt(device as DeviceId)?.state, device).to.equal('succeeded');
  }

  /** The device takes its offer through `server` and comes back on the old version: rolled back. */
  async function rollsBack(server: Server, device: string): Promise<void> {
    download(server, await poll(server, device, '1.0.0'));
    time += 60_000;
    await poll(server, device, '1.0.0');
    expect(server.tracker.currentAttempt(device as DeviceId)?.state, device).to.equal('rolled-back');
  }

  async function started(server: Server, input: Partial<RolloutInput> = {}): Promise<RolloutId> {
    const view = await server.service.create({ name: 'shared', file: TARGET.path, waves: [100], ...input }, OPERATOR);
    await server.service.act(view.rollout.id, 'start', OPERATOR);
    return view.rollout.id;
  }

  function devicesIn(id: RolloutId, percent: number, count: number, inside = true): string[] {
    const found: string[] = [];
    for (let i = 0; found.length < count; i += 1) {
      const device = `esp-${i}`;
      if (isInWave(waveBucket(id, device as DeviceId), percent) === inside) found.push(device);
    }
    return found;
  }

  /** The rollout's events of each type, as stored once every server stopped. */
  async function eventCounts(id: RolloutId): Promise<Record<string, number>> {
    await stopped();
    const counts: Record<string, number> = {};
    for (const event of await fleetStores.events.list({ after: 0, limit: 1000 })) {
      if (!('rolloutId' in event) || event.rolloutId !== id || event.type === 'device.penalized') continue;
      counts[event.type] = (counts[event.type] ?? 0) + 1;
    }
    return counts;
  }

  const stored = async (id: RolloutId) => (await rollouts.list()).find((rollout) => rollout.id === id);

  const HALT_AT_ONE = { halt: { failurePercent: 100, failureCount: 1, minResolved: 1 } };

  it("withdraws another server's offer at the device's next check after a halt, never overwriting a download begun there", async () => {
    // Found by a review: the halting server wrote its memory's `offered` attempts as withdrawn,
    // over a download another server had begun meanwhile; and a peer's offers stayed open.
    const [a, b] = [await openServer(), await openServer()];
    const id = await started(a, { ...HALT_AT_ONE, penalty: { failures: 1, hours: 24 } });
    await b.service.reload();
    const [taken, begun] = devicesIn(id, 100, 2);
    await poll(b, taken as string, '1.0.0');
    const begunPath = await poll(b, begun as string, '1.0.0');
    await a.tracker.reloadDevices([taken as DeviceId, begun as DeviceId]);
    // The download begins on b just as a halts.
    b.tracker.downloadRequested({
      path: TARGET.path,
      deviceId: undefined,
      address: ADDRESS,
      offeredTo: b.tracker.offeredAttempt(begunPath as string)?.deviceId,
    });
    await rollsBack(a, 'esp-99');
    await eventually(async () => (await stored(id))?.state === 'halted', 'the halt written');
    const storedState = async (device: string) =>
      (await fleetStores.attempts.forDevice(device as DeviceId, 1))[0]?.state;
    expect(await storedState(begun as string), 'the download begun on b').to.equal('downloading');
    await b.service.reload();
    // Resumed before the device checks again: its offer, taken back by the halt, stays so (it got
    // 404 meanwhile); its next check withdraws it, counts no failure, and gets a new offer.
    time += 60_000;
    await a.service.act(id, 'resume', OPERATOR);
    await b.service.reload();
    time += 3_600_000;
    const again = await poll(b, taken as string, '1.0.0');
    expect(again, 'a new offer').to.be.a('string');
    const history = await fleetStores.attempts.forDevice(taken as DeviceId, 10);
    expect(history.map((attempt) => attempt.state)).to.deep.equal(['offered', 'withdrawn']);
    expect(b.service.penalties(taken as DeviceId)).to.deep.equal([]);
    expect(b.service.get(id)?.rollout.state).to.equal('running');
  });

  it('tells a halt once when the other server judged it after this one wrote it', async () => {
    const [a, b] = [await openServer(), await openServer()];
    const id = await started(a, HALT_AT_ONE);
    await b.service.reload();
    await rollsBack(a, 'esp-1');
    await eventually(async () => (await stored(id))?.state === 'halted', "the first server's halt written");
    // The second hears of the attempt before it reads the rollout again: it judges the halt too,
    // and finds the first one's stored under the lock.
    await b.tracker.reloadDevices(['esp-1' as DeviceId]);
    expect(b.service.get(id)?.rollout.state).to.equal('halted');
    expect(await eventCounts(id)).to.deep.equal({ 'rollout.started': 1, 'rollout.halted': 1 });
  });

  it("tells a device's penalty once: by the server that saw the failure, not by one reading it back", async () => {
    const [a, b] = [await openServer(), await openServer()];
    const id = await started(a, { penalty: { failures: 1, hours: 24 } });
    await b.service.reload();
    await rollsBack(a, 'esp-1');
    // Before, the second server heard of the failed attempt and told the penalty again.
    await b.tracker.reloadDevices(['esp-1' as DeviceId]);
    expect(b.tracker.currentAttempt('esp-1' as DeviceId)?.state).to.equal('rolled-back');
    expect(b.service.penalties('esp-1' as DeviceId)).to.have.length(1);
    await stopped();
    const penalized = (await fleetStores.events.list({ after: 0, limit: 1000 })).filter(
      (event) => event.type === 'device.penalized' && 'rolloutId' in event && event.rolloutId === id,
    );
    expect(penalized).to.have.length(1);
  });

  it('tells a halt once when both servers judged it before either wrote it', async () => {
    const [a, b] = [await openServer(), await openServer()];
    const id = await started(a, HALT_AT_ONE);
    await b.service.reload();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const put = rollouts.put.bind(rollouts);
    rollouts.put = async (rollout) => {
      await gate;
      return put(rollout);
    };
    await rollsBack(a, 'esp-1');
    await b.tracker.reloadDevices(['esp-1' as DeviceId]);
    expect([a, b].map((server) => server.service.get(id)?.rollout.state)).to.deep.equal(['halted', 'halted']);
    release();
    await eventually(async () => (await stored(id))?.state === 'halted', 'a halt written');
    expect(await eventCounts(id)).to.deep.equal({ 'rollout.started': 1, 'rollout.halted': 1 });
  });

  it('tells an automatic advance and a completion once when both servers judge them', async () => {
    const [a, b] = [await openServer(), await openServer()];
    const created = await a.service.create(
      {
        name: 'staged',
        file: TARGET.path,
        waves: [50, 100],
        advance: { successPercent: 100, minResolved: 1, soakMinutes: 0 },
      },
      OPERATOR,
    );
    const id = created.rollout.id;
    await a.service.act(id, 'start', OPERATOR);
    await b.service.reload();
    const first = devicesIn(id, 50, 1)[0] as string;
    const second = devicesIn(id, 50, 1, false)[0] as string;
    await poll(a, second, '1.0.0'); // seen, not in the first wave: the last wave awaits it
    await updates(a, first);
    await eventually(async () => (await stored(id))?.wave === 1, "the first server's advance written");
    // The second hears of the success, not yet of the advance: its supervision advances too.
    await b.tracker.reloadDevices([first, second] as DeviceId[]);
    await eventually(() => b.service.get(id)?.rollout.wave === 1, 'the second server at the last wave');
    await updates(a, second);
    await eventually(async () => (await stored(id))?.state === 'completed', "the first server's completion written");
    await a.tracker.flush(); // the device's entry on the target, which the completion rule reads
    await b.tracker.reloadDevices([second as DeviceId]);
    time += 60_000; // the completion rule walks the devices at most once a minute
    await eventually(() => b.service.get(id)?.rollout.state === 'completed', 'the second server sees it completed');
    expect(await eventCounts(id)).to.deep.equal({
      'rollout.started': 1,
      'rollout.wave-advanced': 1,
      'rollout.completed': 1,
    });
  });

  it('tells a halt whose write failed once, when a later try writes it', async () => {
    const [a] = [await openServer()];
    const id = await started(a, HALT_AT_ONE);
    a.failWrites();
    await rollsBack(a, 'esp-1');
    expect(a.service.get(id)?.rollout.state).to.equal('halted');
    await eventually(
      () => logger.lines.some((line) => line.includes('a rollout could not be written; trying again')),
      'the failed write is logged',
    );
    await new Promise((resolve) => setTimeout(resolve, 50)); // several supervisions, each failing
    const halts = async () =>
      (await fleetStores.events.list({ after: 0, limit: 1000 })).filter((event) => event.type === 'rollout.halted');
    expect(await halts(), 'not told while not written').to.have.length(0);
    a.recover();
    await eventually(async () => (await stored(id))?.state === 'halted', 'the halt written by a later supervision');
    expect(await eventCounts(id)).to.deep.equal({ 'rollout.started': 1, 'rollout.halted': 1 });
  });

  it("tells nothing of a halt whose write failed once another server's halt is stored", async () => {
    const [a, b] = [await openServer(), await openServer()];
    const id = await started(a, HALT_AT_ONE);
    await b.service.reload();
    a.failWrites();
    await rollsBack(a, 'esp-1');
    await eventually(
      () => logger.lines.some((line) => line.includes('a rollout could not be written; trying again')),
      'the failed write is logged',
    );
    await b.tracker.reloadDevices(['esp-1' as DeviceId]);
    await eventually(async () => (await stored(id))?.state === 'halted', "the second server's halt written");
    a.recover();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first server's next supervisions
    expect(a.service.get(id)?.rollout.state).to.equal('halted');
    expect(await eventCounts(id)).to.deep.equal({ 'rollout.started': 1, 'rollout.halted': 1 });
  });

  it('tells a halt at once on a server alone on its storage, also when its write fails, and once', async () => {
    const [a] = [await openServer({ locks: new InProcessRolloutLocks() })];
    const id = await started(a, HALT_AT_ONE);
    a.failWrites();
    await rollsBack(a, 'esp-1');
    await eventually(
      async () =>
        (await fleetStores.events.list({ after: 0, limit: 1000 })).some((event) => event.type === 'rollout.halted'),
      'the halt told while its write fails',
    );
    expect(await stored(id)).to.deep.include({ state: 'running' });
    a.recover();
    await eventually(async () => (await stored(id))?.state === 'halted', 'the halt written by a later supervision');
    expect(await eventCounts(id)).to.deep.equal({ 'rollout.started': 1, 'rollout.halted': 1 });
  });

  it("shows every server's offers of the last minute, and every server's attempts in flight, on each", async () => {
    const [a, b] = [await openServer(), await openServer()];
    const id = await started(a, { maxInFlight: 100, maxOffersPerMinute: 100 });
    await b.service.reload();
    const devices = devicesIn(id, 100, 5);
    for (const device of devices.slice(0, 3)) expect(await poll(a, device, '1.0.0')).to.be.a('string');
    for (const device of devices.slice(3)) expect(await poll(b, device, '1.0.0')).to.be.a('string');
    // Each hears of the other's attempts as FleetChanges makes it.
    await a.tracker.reloadDevices(devices.slice(3) as DeviceId[]);
    await b.tracker.reloadDevices(devices.slice(0, 3) as DeviceId[]);
    for (const [n, server] of [a, b].entries()) {
      expect(server.service.get(id)?.inFlight, `in flight on server ${n}`).to.equal(5);
      await eventually(
        () => server.service.get(id)?.offersLastMinute === 5,
        `server ${n} shows the 5 offers (it made ${n === 0 ? 3 : 2})`,
      );
      expect(server.service.gauges().find((gauge) => gauge.id === id)?.offersLastMinute).to.equal(5);
    }
    // An offer made since the last read of the stored figure counts at once, and only once.
    time += 1_000;
    const sixth = devicesIn(id, 100, 6)[5] as string;
    expect(await poll(b, sixth, '1.0.0')).to.be.a('string');
    expect(b.service.get(id)?.offersLastMinute).to.equal(6);
    await eventually(() => a.service.get(id)?.offersLastMinute === 6, 'the first server shows the sixth');
    await new Promise((resolve) => setTimeout(resolve, 50)); // more supervisions: still 6 on both
    expect([a, b].map((server) => server.service.get(id)?.offersLastMinute)).to.deep.equal([6, 6]);
    // They age out of the window as the server's own do.
    time += 60_000;
    expect([a, b].map((server) => server.service.get(id)?.offersLastMinute)).to.deep.equal([0, 0]);
  });
});
