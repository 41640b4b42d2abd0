import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpsTestClient } from '../support/https-client.js';
import type { FleetDevice, RolloutDeviceJson, RolloutJson } from '../support/rollout-fleet.js';
import { bucketOf, RolloutApi, RolloutFleet, smallImage } from '../support/rollout-fleet.js';
import type { StartedProgram } from '../support/started-program.js';
import { programClient, programEnv, startProgram } from '../support/started-program.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL, testCertificate } from '../support/test-server.js';

const BIN = 'application/octet-stream';
const OLD = '1.0.0';
const NEW = '2.0.0';
const TARGET_FILE = 'fw/lamp-2.0.0.bin';
const DEVICE_CREDENTIAL = { username: 'lamps', password: 'shared device secret' };
/** The default rules: two polls after the provisional one succeed. */
const POLLS_AFTER_UPDATE = 3;

/** A rollout's read-back without what is not kept by design: the offers of the last minute (the rate cap's window). */
function durable(rollout: RolloutJson): Omit<RolloutJson, 'offersLastMinute'> {
  const { offersLastMinute: _, ...rest } = rollout;
  return rest;
}

function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

/**
 * Issue 17: "Restart the server in the middle of a rollout: state, counts and buckets survive."
 * The real program, on a data dir: a rollout at its second wave (some devices updated, one rolled
 * back, one offered and not yet downloading) is stopped with SIGTERM and started again; then, at
 * its last wave, killed with SIGKILL and started again. Each time the rollout reads back the same
 * (state, wave, per-wave counts, in flight, its devices and the wave each was offered in), the
 * offer made before the restart is still good, and the rollout goes on offering by the same
 * buckets: the devices of the next wave only once it is advanced to.
 */
describe('e2e: a rollout across restarts', function () {
  this.timeout(120_000);
  let dataDir: string;
  let program: StartedProgram | undefined;
  let client: HttpsTestClient;
  let api: RolloutApi;
  let fleet: RolloutFleet;
  const env = () => ({
    ...programEnv(dataDir),
    FUOTA_DEVICE_USERNAME: DEVICE_CREDENTIAL.username,
    FUOTA_DEVICE_PASSWORD: DEVICE_CREDENTIAL.password,
  });

  async function start(): Promise<void> {
    program = await startProgram(env());
    client = await programClient(program, dataDir);
    api?.close();
    api = new RolloutApi(client);
    const ca = await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');
    if (fleet === undefined)
      fleet = new RolloutFleet(program.port, ca, client, { pollsAfterUpdate: POLLS_AFTER_UPDATE });
    else fleet.reconnect(program.port, ca, client);
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fuota-rollout-restart-'));
  });
  after(async () => {
    api?.close();
    fleet?.close();
    await program?.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps state, wave, counts and buckets across a SIGTERM and a SIGKILL, and goes on offering', async () => {
    await start();
    const running = smallImage({ version: OLD, projectName: 'lamp', seed: 1 });
    const target = smallImage({ version: NEW, projectName: 'lamp', seed: 2, kib: 16 });
    expect((await client.put('/files/fw/lamp-1.0.0.bin', running, BIN)).status).to.equal(200);
    expect((await client.put(`/files/${TARGET_FILE}`, target, BIN)).status).to.equal(200);
    const created = await api.create({
      name: 'lamp 2.0 across restarts',
      file: TARGET_FILE,
      waves: [10, 50, 100],
      maxOffersPerMinute: 100_000,
      halt: { failurePercent: 50, failureCount: 100, minResolved: 10 },
    });

    // Devices picked by their bucket: 6 in the first wave, 12 more in the second, 12 in the last.
    const waves: FleetDevice[][] = [[], [], []];
    const limits = [6, 12, 12];
    for (let n = 0; waves.some((wave, index) => wave.length < (limits[index] as number)); n += 1) {
      const id = `restart-${String(n).padStart(4, '0')}`;
      const bucket = bucketOf(created.id, id);
      const index = bucket < 1000 ? 0 : bucket < 5000 ? 1 : 2;
      const wave = waves[index] as FleetDevice[];
      if (wave.length === limits[index]) continue;
      const behaviour = index === 0 && wave.length === 0 ? 'rolls-back' : 'updates';
      const address = `127.4.${index}.${wave.length + 1}`;
      wave.push({ id, behaviour, version: OLD, auth: DEVICE_CREDENTIAL, address });
    }
    const [first, second, last] = waves as [FleetDevice[], FleetDevice[], FleetDevice[]];
    const [offeredOnly, notYet, ...secondRest] = second as [FleetDevice, FleetDevice, ...FleetDevice[]];

    await api.act(created.id, 'start');
    await fleet.serveAll(first, 4);
    await api.act(created.id, 'advance');
    await fleet.serveAll(secondRest, 4);
    // Offered, not yet downloading, when the server stops.
    const offer = await fleet.check(offeredOnly);
    expect(offer.status).to.equal(200);
    // The last wave's devices are known, and not offered.
    await fleet.serveAll(last, 4);
    for (const d of last) expect(fleet.wasOffered(d.id), d.id).to.equal(false);

    const before = await api.rollout(created.id);
    expect([before.state, before.wave, before.inFlight]).to.deep.equal(['running', 1, 1]);
    expect(nonZero(before.waves[0]?.attempts ?? {})).to.deep.equal({ succeeded: 5, 'rolled-back': 1 });
    expect(nonZero(before.waves[1]?.attempts ?? {})).to.deep.equal({ succeeded: 10, offered: 1 });
    const beforeDevices = await api.devices(created.id);
    expect(beforeDevices).to.have.length(17);

    // ---- SIGTERM, and the same data dir again.
    expect(await program?.stop('SIGTERM')).to.equal(0);
    await start();
    const afterTerm = await api.rollout(created.id);
    expect(durable(afterTerm)).to.deep.equal(durable(before));
    expect(await api.devices(created.id)).to.deep.equal(beforeDevices);

    // The offer made before the restart still downloads; the second wave goes on; the last is still out.
    expect(await fleet.take(offeredOnly, offer.path as string)).to.deep.include({ version: NEW });
    await fleet.serveAll([notYet, ...last], 4);
    for (const d of second) expect(fleet.versionOf(d), d.id).to.equal(NEW);
    for (const d of last) expect([fleet.wasOffered(d.id), fleet.versionOf(d)], d.id).to.deep.equal([false, OLD]);

    const advanced = await api.act(created.id, 'advance');
    expect([advanced.state, advanced.wave]).to.deep.equal(['running', 2]);
    await fleet.serveAll(last.slice(0, 6), 4);
    const beforeKill = await api.rollout(created.id);
    const beforeKillDevices = await api.devices(created.id);
    expect(nonZero(beforeKill.waves[2]?.attempts ?? {})).to.deep.equal({ succeeded: 6 });

    // ---- SIGKILL: everything answered before it was durable.
    await program?.stop('SIGKILL');
    await start();
    expect(durable(await api.rollout(created.id))).to.deep.equal(durable(beforeKill));
    expect(await api.devices(created.id)).to.deep.equal(beforeKillDevices);
    await fleet.serveAll([...first, ...last], 4);

    const end = await api.rollout(created.id);
    expect([end.wave, end.inFlight]).to.deep.equal([2, 0]);
    expect(end.waves.map((wave) => nonZero(wave.attempts))).to.deep.equal([
      { succeeded: 5, 'rolled-back': 1 },
      { succeeded: 12 },
      { succeeded: 12 },
    ]);
    const listed: RolloutDeviceJson[] = await api.devices(created.id);
    const waveOf = new Map(listed.map((item) => [item.device, item.wave]));
    waves.forEach((wave, index) => {
      for (const d of wave) {
        expect(waveOf.get(d.id), d.id).to.equal(index);
        expect(fleet.versionOf(d), d.id).to.equal(d.behaviour === 'updates' ? NEW : OLD);
      }
    });
  });
});

/**
 * The rate cap across a restart: `maxOffersPerMinute` bounds the offers "in any 60 seconds"; a
 * server restarted within the minute must still count the offers it made before.
 */
describe('e2e: the offer rate cap across a restart', function () {
  this.timeout(60_000);
  let t: RunningTestServer | undefined;
  let api: RolloutApi | undefined;
  let fleet: RolloutFleet | undefined;

  after(async () => {
    api?.close();
    fleet?.close();
    await t?.stop();
  });

  it('still counts the offers of the last minute after a restart on the same data', async () => {
    t = await startTestServer({ storage: 'disk' });
    const ca = (await testCertificate()).cert;
    expect(
      (await t.client.put('/files/fw/lamp-1.0.0.bin', smallImage({ version: OLD, projectName: 'lamp' }), BIN)).status,
    ).to.equal(200);
    const target = smallImage({ version: NEW, projectName: 'lamp', seed: 2 });
    expect((await t.client.put(`/files/${TARGET_FILE}`, target, BIN)).status).to.equal(200);
    api = new RolloutApi(t.client);
    fleet = new RolloutFleet(t.server.address.port, ca, t.client, { pollsAfterUpdate: POLLS_AFTER_UPDATE });
    const devices: FleetDevice[] = Array.from({ length: 5 }, (_, n) => ({
      id: `rate-${n}`,
      behaviour: 'updates',
      version: OLD,
      auth: TEST_DEVICE_CREDENTIAL,
      address: `127.5.0.${n + 1}`,
    }));
    const rollout = await api.create({ name: 'rate capped', file: TARGET_FILE, waves: [100], maxOffersPerMinute: 3 });
    await api.act(rollout.id, 'start');
    const [a, b, c, d, e] = devices as [FleetDevice, FleetDevice, FleetDevice, FleetDevice, FleetDevice];
    await fleet.serveAll([a, b, c, d], 1);
    expect(devices.map((x) => fleet?.wasOffered(x.id))).to.deep.equal([true, true, true, false, false]);
    expect((await api.rollout(rollout.id)).offersLastMinute).to.equal(3);

    // Restarted on the same data, well within the minute.
    const dataDir = t.dataDir as string;
    await t.server.stop();
    t = await startTestServer({ dataDir });
    api.close();
    api = new RolloutApi(t.client);
    fleet.reconnect(t.server.address.port, ca, t.client);
    const offersBefore = (await api.rollout(rollout.id)).offersLastMinute;
    await fleet.serveAll([d, e], 1);
    expect(
      [d, e].map((x) => fleet?.wasOffered(x.id)),
      `offers in the last minute after the restart: ${offersBefore} (3 before it)`,
    ).to.deep.equal([false, false]);
  });
});
