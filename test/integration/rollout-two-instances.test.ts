import { expect } from 'chai';
import { DEFAULT_ATTEMPT_RULES } from '../../src/domain/fleet/attempt-rules.js';
import { eventually } from '../support/eventually.js';
import { loopbackAddress } from '../support/fleet-simulator.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import type { FleetDevice, RolloutBehaviour } from '../support/rollout-fleet.js';
import { inParallel, RolloutApi, RolloutFleet, smallImage } from '../support/rollout-fleet.js';
import { requireS3Server, type TestS3Server } from '../support/s3-server.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL, testCertificate } from '../support/test-server.js';

const BIN = 'application/octet-stream';
const OLD = '1.0.0';

/**
 * A rollout run by two fuota servers on one PostgreSQL database and one bucket, devices polling
 * both, as an operator with two instances runs it: what each server tells of the rollout (its
 * events, the figures of its view and metrics) is the rollout's, not that server's share of it.
 */
describe('a rollout on two instances', function () {
  this.timeout(180_000);
  let database: TestDatabase | undefined;
  let s3: TestS3Server | undefined;
  let servers: RunningTestServer[] = [];
  let fleets: RolloutFleet[] = [];
  let apis: RolloutApi[] = [];

  before(async function () {
    await requirePostgres(this);
    s3 = await requireS3Server(this);
    database = await createTestDatabase();
    const shared = { databaseUrl: database.url, s3: { client: s3!.client, bucket: s3!.bucket, prefix: 'fleet' } };
    const fleet = { flushIntervalMs: 100, rules: { ...DEFAULT_ATTEMPT_RULES, successPolls: 1 } };
    servers = [await startTestServer({ shared, fleet }), await startTestServer({ shared, fleet })];
    const ca = (await testCertificate()).cert;
    fleets = servers.map(
      (server) => new RolloutFleet(server.server.address.port, ca, server.client, { pollsAfterUpdate: 2 }),
    );
    apis = servers.map((server) => new RolloutApi(server.client));
    const running = smallImage({ version: OLD, projectName: 'lamp', seed: 1 });
    expect((await servers[0]!.client.put('/files/fw/lamp-1.0.0.bin', running, BIN)).status).to.equal(200);
  });

  after(async () => {
    for (const api of apis) api.close();
    for (const fleet of fleets) fleet.close();
    for (const server of servers) await server.stop();
    await database?.drop();
    await s3?.stop();
  });

  /** A rollout of a new image started on the first server and running on both. */
  async function started(version: string, definition: Record<string, unknown>): Promise<string> {
    const target = smallImage({ version, projectName: 'lamp', seed: Number(version[0]) + 1, kib: 16 });
    expect((await servers[1]!.client.put(`/files/fw/lamp-${version}.bin`, target, BIN)).status).to.equal(200);
    const rollout = await apis[0]!.create({ file: `fw/lamp-${version}.bin`, waves: [100], ...definition });
    await apis[0]!.act(rollout.id, 'start');
    // The second server hears of the new rollout a moment later (404 until then).
    await eventually(async () => {
      const seen = await servers[1]!.client.get(`/api/v1/rollouts/${rollout.id}`);
      return seen.status === 200 && (JSON.parse(seen.text) as { state: string }).state === 'running';
    }, 'running on both');
    return rollout.id;
  }

  /** `count` devices on the old version, half of them polling each server. */
  function devices(prefix: string, count: number, behaviour: RolloutBehaviour): FleetDevice[] {
    return Array.from({ length: count }, (_, n) => ({
      id: `${prefix}-${n}`,
      behaviour,
      version: OLD,
      auth: TEST_DEVICE_CREDENTIAL,
      address: loopbackAddress(n),
    }));
  }

  const fleetOf = (device: FleetDevice) => fleets[Number(device.id.split('-').at(-1)) % 2]!;

  it('writes one rollout.halted event when both servers judge the halt', async () => {
    const id = await started('2.0.0', { name: 'halts', halt: { failureCount: 3, minResolved: 1 } });
    const failing = devices('halt', 6, 'rolls-back');
    // Each polls its server, downloads and comes back on the old version, until the halt.
    await inParallel(failing, failing.length, async (device) => {
      await fleetOf(device).serve(device);
    });
    for (const api of apis) await api.waitForState(id, 'halted');
    // Both servers have heard of every failure and judged them (a supervision is every 5 s).
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    for (const api of apis) {
      const halts = (await api.events('rollout.halted')).filter((event) => event.rolloutId === id);
      expect(halts, 'rollout.halted events').to.have.length(1);
    }
  });

  it("shows every server's offers of the last minute and attempts in flight on both, in the view and the metrics", async () => {
    const id = await started('3.0.0', { name: 'offers', maxInFlight: 100, maxOffersPerMinute: 1000 });
    // Offered, not yet downloaded: in flight. A check that finds the rollout's lock taken (another
    // check deciding an offer) is told 204 and polls again.
    const offered = devices('offers', 10, 'updates');
    await inParallel(offered, offered.length, async (device) => {
      for (let round = 0; (await fleetOf(device).check(device)).status !== 200; round += 1) {
        if (round === 100) throw new Error(`${device.id} was still not offered after ${round} polls`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    for (const [n, api] of apis.entries()) {
      // In flight: other servers' attempts reach each server as they change.
      await eventually(
        async () => (await api.rollout(id)).inFlight === offered.length,
        `server ${n} shows the ${offered.length} attempts in flight`,
      );
      // Offers: read from storage at each supervision (every 5 s).
      await eventually(
        async () => (await api.rollout(id)).offersLastMinute === offered.length,
        `server ${n} shows the ${offered.length} offers of the last minute`,
      );
      const metrics = (await servers[n]!.client.get('/metrics')).text;
      expect(metrics).to.include(`fuota_rollout_offers_last_minute{rollout="${id}"} ${offered.length}`);
      expect(metrics).to.include(`fuota_rollout_in_flight{rollout="${id}"} ${offered.length}`);
    }
  });
});
