import { expect } from 'chai';
import { loopbackAddress } from '../support/fleet-simulator.js';
import type { FleetDevice, RolloutJson } from '../support/rollout-fleet.js';
import { bucketOf, inParallel, RolloutApi, RolloutFleet, smallImage } from '../support/rollout-fleet.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL, testCertificate } from '../support/test-server.js';

const BIN = 'application/octet-stream';
const OLD = '1.0.0';
const NEW = '2.0.0';
const RUNNING_FILE = 'fw/lamp-1.0.0.bin';
const TARGET_FILE = 'fw/lamp-2.0.0.bin';
/** The default rules: 2 more polls after the provisional one succeed. */
const POLLS_AFTER_UPDATE = 3;
/** Devices that run at once. */
const CONCURRENCY = 16;

/** A server with the running image (1.0.0) and the target (2.0.0) of project lamp stored, and a fleet to drive. */
async function lampServer(): Promise<{ t: RunningTestServer; api: RolloutApi; fleet: RolloutFleet }> {
  const t = await startTestServer({ fleet: { flushIntervalMs: 100 } });
  const running = smallImage({ version: OLD, projectName: 'lamp', seed: 1 });
  const target = smallImage({ version: NEW, projectName: 'lamp', seed: 2, kib: 16 });
  expect((await t.client.put(`/files/${RUNNING_FILE}`, running, BIN)).status).to.equal(200);
  expect((await t.client.put(`/files/${TARGET_FILE}`, target, BIN)).status).to.equal(200);
  const fleet = new RolloutFleet(t.server.address.port, (await testCertificate()).cert, t.client, {
    pollsAfterUpdate: POLLS_AFTER_UPDATE,
  });
  return { t, api: new RolloutApi(t.client), fleet };
}

function count<T>(items: Iterable<T>, predicate: (item: T) => boolean): number {
  let n = 0;
  for (const item of items) if (predicate(item)) n += 1;
  return n;
}

/** Attempts by state with the zeros left out. */
function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

/**
 * Issue 17's first simulator test: 1,000 virtual esp32-fuota devices, a rollout to the 800 of
 * them tagged for it, in waves of 10, 50 and 100% advanced by the operator. A few of the
 * selected devices roll back (they are not healthy, and are never offered the version again);
 * some devices have a device row for another version (answered 204 instead of 404 when nothing
 * is offered). After each wave, exactly the selected devices whose bucket is in the wave have
 * been offered the target, and the healthy ones among them run it.
 */
describe('Rollout simulator: 1,000 devices in waves of 10, 50 and 100%', function () {
  this.timeout(180_000);
  const DEVICES = 1000;
  const WAVES = [10, 50, 100];
  let t: RunningTestServer;
  let api: RolloutApi;
  let fleet: RolloutFleet;
  let rollout: RolloutJson;
  const devices: FleetDevice[] = [];
  const selected = new Set<string>();
  const withRow = new Set<string>();

  before(async () => {
    ({ t, api, fleet } = await lampServer());
    for (let index = 0; index < DEVICES; index += 1) {
      const id = `lamp-${String(index).padStart(4, '0')}`;
      // One in 50 rolls back: 20 devices, all of them selected (index % 5 === 2).
      const behaviour = index % 50 === 7 ? 'rolls-back' : 'updates';
      devices.push({ id, behaviour, version: OLD, auth: TEST_DEVICE_CREDENTIAL, address: loopbackAddress(index) });
      if (index % 5 !== 0) selected.add(id);
      if (index % 10 === 3 || index % 10 === 5) withRow.add(id);
    }
    // A row for another version than the device runs offers nothing: fleet policy decides.
    await inParallel([...withRow], 8, async (id) => {
      const res = await t.client.put(`/devices/${id}`, `"${id}","0.9.0","${RUNNING_FILE}"`, 'text/csv');
      expect(res.status, res.text).to.equal(200);
    });
    // Every device polls once, before any rollout: nothing for it.
    await fleet.serveAll(devices, CONCURRENCY);
    for (const d of devices) expect(fleet.pollsOf(d.id), d.id).to.deep.equal([{ version: OLD, status: idle(d) }]);
    await api.tag('lamps-b', [...selected]);
    rollout = await api.create({
      name: 'lamp 2.0 for ring b',
      file: TARGET_FILE,
      selector: { tagsAll: ['lamps-b'] },
      waves: WAVES,
      maxInFlight: 1000,
      maxOffersPerMinute: 100_000,
      // The 2.5% that roll back must not halt it.
      halt: { failurePercent: 50, failureCount: 1000, minResolved: 10 },
    });
    expect(rollout.state).to.equal('draft');
  });
  after(async () => {
    api.close();
    fleet.close();
    await t.stop();
  });

  const idle = (d: FleetDevice) => (withRow.has(d.id) ? 204 : 404);
  const bucket = (d: FleetDevice) => bucketOf(rollout.id, d.id);
  /** The first wave whose percentage takes the device in. */
  const firstWave = (d: FleetDevice) => WAVES.findIndex((percent) => bucket(d) < percent * 100);

  /** Every device not running the target polls once, and acts on what it is offered. */
  const pollRound = () =>
    fleet.serveAll(
      devices.filter((d) => fleet.versionOf(d) !== NEW),
      CONCURRENCY,
    );

  /** What must hold once every device polled in wave `wave`. */
  async function expectWave(wave: number): Promise<void> {
    const reached = devices.filter((d) => selected.has(d.id) && firstWave(d) <= wave);
    const reachedIds = new Set(reached.map((d) => d.id));
    for (const d of devices) {
      const what = `${d.id} (bucket ${bucket(d)}, ${selected.has(d.id) ? 'selected' : 'not selected'}, ${d.behaviour}): ${JSON.stringify(fleet.pollsOf(d.id))}`;
      expect(fleet.wasOffered(d.id), what).to.equal(reachedIds.has(d.id));
      expect(fleet.versionOf(d), what).to.equal(reachedIds.has(d.id) && d.behaviour === 'updates' ? NEW : OLD);
      // Its last check was answered as if there were no rollout: 404 without a row, 204 with one.
      expect(fleet.pollsOf(d.id).at(-1)?.status, what).to.equal(idle(d));
      // Offered once at most: a rolled-back version is not offered again.
      expect(
        count(fleet.pollsOf(d.id), (p) => p.status === 200),
        what,
      ).to.be.at.most(1);
    }

    const listed = await api.devices(rollout.id);
    expect(listed.map((item) => item.device)).to.deep.equal([...reachedIds].sort());
    const byId = new Map(devices.map((d) => [d.id, d]));
    for (const item of listed) {
      const d = byId.get(item.device) as FleetDevice;
      expect([item.wave, item.state], item.device).to.deep.equal([
        firstWave(d),
        d.behaviour === 'updates' ? 'succeeded' : 'rolled-back',
      ]);
    }

    const seen = await api.rollout(rollout.id);
    expect([seen.state, seen.wave, seen.inFlight]).to.deep.equal(['running', wave, 0]);
    seen.waves.forEach((counts, index) => {
      const offeredIn = reached.filter((d) => firstWave(d) === index);
      const expected: Record<string, number> = {};
      const healthy = count(offeredIn, (d) => d.behaviour === 'updates');
      if (healthy > 0) expected.succeeded = healthy;
      if (offeredIn.length > healthy) expected['rolled-back'] = offeredIn.length - healthy;
      expect(nonZero(counts.attempts), `wave ${index}`).to.deep.equal(expected);
      expect(counts.percent).to.equal(WAVES[index]);
    });
  }

  it('offers nothing while draft, then, started at 10%, exactly the selected devices whose bucket is below 1000', async () => {
    // A draft offers nothing, even to the devices its first wave holds.
    const first = devices.filter((d) => selected.has(d.id) && firstWave(d) === 0);
    await fleet.serveAll(first, CONCURRENCY);
    for (const d of first) expect(fleet.pollsOf(d.id).at(-1), d.id).to.deep.equal({ version: OLD, status: idle(d) });

    rollout = await api.act(rollout.id, 'start');
    expect([rollout.state, rollout.wave]).to.deep.equal(['running', 0]);
    await pollRound();
    await expectWave(0);
    // Not a degenerate hash: about 80 of the 800 (a binomial's 5 standard deviations around it).
    const reached = count(devices, (d) => fleet.wasOffered(d.id));
    expect(reached).to.be.within(40, 125);
  });

  it('advanced to 50%: adds exactly the selected devices whose bucket is below 5000', async () => {
    rollout = await api.act(rollout.id, 'advance');
    expect([rollout.state, rollout.wave]).to.deep.equal(['running', 1]);
    await pollRound();
    await expectWave(1);
    expect(count(devices, (d) => fleet.wasOffered(d.id))).to.be.within(300, 500);
  });

  it('advanced to 100%: every healthy selected device runs 2.0.0, no unselected device was offered anything, and the rollout completes', async () => {
    rollout = await api.act(rollout.id, 'advance');
    expect([rollout.state, rollout.wave]).to.deep.equal(['running', 2]);
    await pollRound();
    await expectWave(2);
    const healthy = devices.filter((d) => selected.has(d.id) && d.behaviour === 'updates');
    expect(healthy).to.have.length(780);
    for (const d of healthy) expect(fleet.versionOf(d), d.id).to.equal(NEW);

    // As the server saw it: every attempt it ever made is the rollout's, one per selected device.
    const summary = await api.getJson<{ devices: number; attempts: Record<string, number> }>('/api/v1/fleet');
    expect(summary.devices).to.equal(DEVICES);
    expect(nonZero(summary.attempts)).to.deep.equal({ succeeded: 780, 'rolled-back': 20 });
    await inParallel(
      devices.filter((d) => !selected.has(d.id)),
      4,
      async (d) => {
        const seen = await api.getJson<{ attempt: unknown; attempts: unknown[] }>(`/api/v1/devices/${d.id}`);
        expect([seen.attempt, seen.attempts], d.id).to.deep.equal([null, []]);
      },
    );

    // Nothing is left to offer (the 20 that rolled back are not offered 2.0.0 again): the next sweep completes it.
    const deadline = Date.now() + 30_000;
    while ((await api.rollout(rollout.id)).state !== 'completed') {
      expect(Date.now(), 'the rollout did not complete').to.be.below(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const completed = await api.events('rollout.completed');
    expect(completed.map((e) => [e.rolloutId, e.auto])).to.deep.equal([[rollout.id, true]]);
  });
});
