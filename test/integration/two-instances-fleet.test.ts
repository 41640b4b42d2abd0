import { request as httpsRequest } from 'node:https';
import { expect } from 'chai';
import { DEFAULT_ATTEMPT_RULES } from '../../src/domain/fleet/attempt-rules.js';
import { eventually } from '../support/eventually.js';
import { openEventStream } from '../support/fleet-api-client.js';
import { loopbackAddress } from '../support/fleet-simulator.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import type { FleetDevice } from '../support/rollout-fleet.js';
import { inParallel, RolloutApi, RolloutFleet, smallImage } from '../support/rollout-fleet.js';
import { requireS3Server, type TestS3Server } from '../support/s3-server.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL, testCertificate } from '../support/test-server.js';

const BIN = 'application/octet-stream';
const OLD = '1.0.0';
const NEW = '2.0.0';
const TARGET_FILE = 'fw/lamp-2.0.0.bin';
const device = { auth: TEST_DEVICE_CREDENTIAL };

interface DeviceJson {
  readonly polls: number;
  readonly lastSeen: string;
  readonly runningVersion: string;
  readonly tags: readonly string[];
  readonly hold: boolean;
}

/**
 * Two fuota servers on one PostgreSQL database and one bucket serving one fleet (issue 19): the
 * inventory, the update attempts and the rollouts are one, whichever server a device or an
 * operator reaches.
 */
describe('two instances serving one fleet', function () {
  this.timeout(180_000);
  let database: TestDatabase | undefined;
  let s3: TestS3Server | undefined;
  let first: RunningTestServer;
  let second: RunningTestServer;

  /** How each server is started, for one more in a test. */
  let options: Parameters<typeof startTestServer>[0];

  before(async function () {
    await requirePostgres(this);
    s3 = await requireS3Server(this);
    database = await createTestDatabase();
    const shared = { databaseUrl: database.url, s3: { client: s3!.client, bucket: s3!.bucket, prefix: 'fleet' } };
    const fleet = { flushIntervalMs: 100, rules: { ...DEFAULT_ATTEMPT_RULES, successPolls: 1 } };
    options = { shared, fleet };
    first = await startTestServer(options);
    second = await startTestServer(options);
  });

  after(async () => {
    await first?.stop();
    await second?.stop();
    await database?.drop();
    await s3?.stop();
  });

  const attemptOn = async (server: RunningTestServer, id: string) =>
    (JSON.parse((await server.client.get(`/api/v1/devices/${id}`)).text) as { attempt: { state: string } | null })
      .attempt;

  const view = async (server: RunningTestServer, id: string): Promise<DeviceJson> => {
    const res = await server.client.get(`/api/v1/devices/${id}`);
    expect(res.status, res.text).to.equal(200);
    return JSON.parse(res.text) as DeviceJson;
  };

  it("counts every check of a device once, whichever server took it, and shows operators' changes and forgetting on both", async () => {
    const checks: Array<[RunningTestServer, string]> = [
      [first, OLD],
      [second, OLD],
      [second, OLD],
      [first, OLD],
      [second, '1.0.1'],
      [first, '1.0.1'],
      [first, '1.0.1'],
    ];
    // Concurrent checks on both servers, then a last one on the second.
    await Promise.all(
      checks.map(([server, version]) => server.client.get(`/devices/twin-1?app_ver=${version}`, device)),
    );
    expect((await second.client.get('/devices/twin-1?app_ver=1.0.2', device)).status).to.equal(404);
    for (const server of [first, second]) {
      await eventually(async () => {
        const seen = await view(server, 'twin-1');
        return seen.polls === checks.length + 1 && seen.runningVersion === '1.0.2';
      }, 'both servers count 8 checks and show the last version');
    }
    const patched = await first.client.send('/api/v1/devices/twin-1', {
      method: 'PATCH',
      body: JSON.stringify({ tags: ['lab'], hold: true }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(patched.status, patched.text).to.equal(200);
    await eventually(async () => (await view(second, 'twin-1')).hold, 'the second server sees the hold');
    expect((await view(second, 'twin-1')).tags).to.deep.equal(['lab']);
    // More checks on the second keep the operator's fields and add to the count.
    await second.client.get('/devices/twin-1?app_ver=1.0.2', device);
    await eventually(async () => (await view(first, 'twin-1')).polls === checks.length + 2, 'the first counts 9');
    expect((await view(first, 'twin-1')).tags).to.deep.equal(['lab']);
    expect((await second.client.delete('/api/v1/devices/twin-1')).status).to.be.oneOf([200, 204]);
    await eventually(
      async () => (await first.client.get('/api/v1/devices/twin-1')).status === 404,
      'the first forgets it too',
    );
  });

  it('ties a shared-credential download to the offer whichever server took the check and whichever served the bytes', async () => {
    const image = smallImage({ version: '2.5.0', projectName: 'lamp', seed: 25, kib: 64 });
    const path = 'fw/lamp-2.5.0.bin';
    expect((await first.client.put(`/files/${path}`, image, BIN)).status).to.equal(200);
    const attemptOn = async (server: RunningTestServer, id: string) =>
      (JSON.parse((await server.client.get(`/api/v1/devices/${id}`)).text) as { attempt: Record<string, unknown> })
        .attempt;
    // Found by a new operator: the offer's server alone knew the address it was answered to, so a
    // download served by the other (or by another worker) was tied to nothing, and the attempt
    // stayed `offered`; a rollback then read as a failed download, a brick as nothing.
    for (const id of ['split-1', 'split-2']) {
      const row = await first.client.put(`/devices/${id}`, `"${id}","${OLD}","${path}"`, 'text/csv');
      expect(row.status).to.equal(200);
    }
    const offered = await first.client.get(`/devices/split-1?app_ver=${OLD}`, device);
    expect([offered.status, offered.text]).to.deep.equal([200, path]);
    const whole = await second.client.get(`/files/${path}`, device);
    expect(whole.body.equals(image)).to.equal(true);
    for (const server of [first, second])
      await eventually(
        async () => (await attemptOn(server, 'split-1'))?.state === 'downloaded',
        'the download served by the second counts for the offer made by the first',
      );
    expect(await attemptOn(first, 'split-1')).to.include({ attribution: 'inferred' });
    // A download resumed on the other server adds up too (each part on one of them).
    expect((await second.client.get(`/devices/split-2?app_ver=${OLD}`, device)).status).to.equal(200);
    const half = 30_000;
    const head = await first.client.get(`/files/${path}`, { ...device, headers: { Range: `bytes=0-${half - 1}` } });
    // A device resumes after reconnecting, by when the other server has heard of the first part.
    await eventually(
      async () => (await attemptOn(second, 'split-2'))?.state === 'downloading',
      'the second server hears of the first part',
    );
    const tail = await second.client.get(`/files/${path}`, { ...device, headers: { Range: `bytes=${half}-` } });
    expect([head.status, tail.status]).to.deep.equal([206, 206]);
    expect(Buffer.concat([head.body, tail.body]).equals(image)).to.equal(true);
    for (const server of [first, second])
      await eventually(
        async () => (await attemptOn(server, 'split-2'))?.state === 'downloaded',
        'the parts served by both servers add up to the whole file',
      );
  });

  it("adds up a device's Range requests served by both servers, one right after the other or at once", async () => {
    // Found by a new user: each server added its part to its own copy of the attempt and wrote it
    // whole, so the last write dropped the other's part; the attempt never counted as downloaded
    // and the device's rollback read as a failed download.
    const image = smallImage({ version: '2.6.0', projectName: 'lamp', seed: 26, kib: 256 });
    const path = 'fw/lamp-2.6.0.bin';
    expect((await first.client.put(`/files/${path}`, image, BIN)).status).to.equal(200);
    const attemptOn = async (server: RunningTestServer, id: string) =>
      (
        JSON.parse((await server.client.get(`/api/v1/devices/${id}`)).text) as {
          attempt: { state: string } | null;
          attempts: Array<{ state: string }>;
        }
      ).attempt;
    const chunk = 16 * 1024;
    const ranges = Array.from(
      { length: Math.ceil(image.length / chunk) },
      (_, i) => `bytes=${i * chunk}-${Math.min((i + 1) * chunk, image.length) - 1}`,
    );
    for (const [id, atOnce] of [
      ['ranges-1', false],
      ['ranges-2', true],
    ] as const) {
      expect((await first.client.put(`/devices/${id}`, `"${id}","${OLD}","${path}"`, 'text/csv')).status).to.equal(200);
      expect((await first.client.get(`/devices/${id}?app_ver=${OLD}`, device)).status).to.equal(200);
      // As esp_https_ota's partial download asks: one range after another, here alternately of each server.
      const fetch = (range: string, i: number) =>
        (i % 2 === 0 ? first : second).client.get(`/files/${path}`, { ...device, headers: { Range: range } });
      const parts = atOnce
        ? await Promise.all(ranges.map(fetch))
        : await ranges.reduce<Promise<Awaited<ReturnType<typeof fetch>>[]>>(
            async (done, range, i) => [...(await done), await fetch(range, i)],
            Promise.resolve([]),
          );
      expect(parts.map((part) => part.status)).to.deep.equal(ranges.map(() => 206));
      expect(Buffer.concat(parts.map((part) => part.body)).equals(image)).to.equal(true);
      for (const server of [first, second])
        await eventually(
          async () => (await attemptOn(server, id))?.state === 'downloaded',
          `${id}: the parts served by both servers add up to the whole file${atOnce ? ' (at once)' : ''}`,
        );
    }
    // The device boots the image, the bootloader rolls it back: a rollback, not a failed download.
    expect((await second.client.get(`/devices/ranges-1?app_ver=${OLD}`, device)).status).to.equal(200);
    await eventually(
      async () => (await attemptOn(first, 'ranges-1'))?.state === 'offered',
      'the next offer after the rollback',
    );
    const history = JSON.parse((await first.client.get('/api/v1/devices/ranges-1')).text) as {
      attempts: Array<{ state: string }>;
    };
    expect(history.attempts.map((attempt) => attempt.state)).to.deep.equal(['offered', 'rolled-back']);
  });

  it("streams every server's events on each server's live stream, in seq order, and a reconnect misses none", async () => {
    // Found by a new user: a stream carried its server's events only, and each moved its cursor
    // past the other's, so that Last-Event-ID could not bring them back either.
    const stream = await openEventStream(first, '/api/v1/events/stream?type=first-seen');
    try {
      const ids = ['stream-a', 'stream-b', 'stream-c', 'stream-d'];
      for (const [i, id] of ids.entries()) {
        const server = i % 2 === 0 ? second : first;
        expect((await server.client.get(`/devices/${id}?app_ver=${OLD}`, device)).status).to.equal(404);
      }
      await eventually(
        () => stream.events.filter((event) => ids.includes(event.data.device)).length === ids.length,
        "the first server's stream carries both servers' first sightings",
      );
      const seen = stream.events.map((event) => Number(event.id));
      expect(seen).to.deep.equal([...seen].sort((a, b) => a - b));
      // Reconnecting after the first of them (by seq: sightings are logged with each server's batch).
      const ours = stream.events.filter((event) => ids.includes(event.data.device));
      const after = ours[0]?.id ?? '';
      const again = await openEventStream(second, '/api/v1/events/stream?type=first-seen', { 'Last-Event-ID': after });
      try {
        await eventually(
          () => again.events.filter((event) => ids.includes(event.data.device)).length === ids.length - 1,
          'the reconnected stream replays the three after it',
        );
        expect(again.events.filter((event) => ids.includes(event.data.device)).map((event) => event.id)).to.deep.equal(
          ours.slice(1).map((event) => event.id),
        );
      } finally {
        again.close();
      }
    } finally {
      stream.close();
    }
  });

  it('hears what a server wrote as it stopped (a download the stop cut) without waiting for a full re-read', async () => {
    // Found by a new user: the stopping server stopped announcing before its last writes, and the
    // others showed the cut download as it stood before until their 10-minute re-read.
    const third = await startTestServer(options);
    const image = smallImage({ version: '2.7.0', projectName: 'lamp', seed: 27, kib: 4096 });
    const path = 'fw/lamp-2.7.0.bin';
    expect((await first.client.put(`/files/${path}`, image, BIN)).status).to.equal(200);
    expect((await first.client.put('/devices/cut-1', `"cut-1","${OLD}","${path}"`, 'text/csv')).status).to.equal(200);
    expect((await third.client.get(`/devices/cut-1?app_ver=${OLD}`, device)).status).to.equal(200);
    await eventually(
      async () => (await attemptOn(first, 'cut-1'))?.state === 'offered',
      'the first hears of the offer',
    );
    // A download from the third that reads its first bytes, then stalls until the stop cuts it.
    const { cert } = await testCertificate();
    const stalled = new Promise<void>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: third.server.address.port,
          path: `/files/${path}`,
          ca: cert,
          servername: 'localhost',
          headers: {
            Authorization: `Basic ${Buffer.from(`${TEST_DEVICE_CREDENTIAL.username}:${TEST_DEVICE_CREDENTIAL.password}`).toString('base64')}`,
          },
        },
        (res) => {
          res.once('data', () => {
            res.pause();
            resolve();
          });
          res.on('error', () => undefined);
        },
      );
      req.on('error', () => undefined);
      req.once('timeout', () => reject(new Error('no answer')));
      req.end();
    });
    await stalled;
    await eventually(
      async () => (await attemptOn(first, 'cut-1'))?.state === 'downloading',
      'the first hears the download began',
    );
    await third.stop();
    await eventually(async () => {
      const attempt = (await attemptOn(first, 'cut-1')) as { servedBytes?: number } | null;
      return (attempt?.servedBytes ?? 0) > 0;
    }, 'the first hears the bytes the cut download served');
  });

  it('keeps every tag of bulk taggings made at once on both servers', async () => {
    for (const id of ['tagged-1', 'tagged-2'])
      expect((await first.client.get(`/devices/${id}?app_ver=${OLD}`, device)).status).to.equal(404);
    await eventually(
      async () => (await second.client.get('/api/v1/devices/tagged-2')).status === 200,
      'the second server knows both devices',
    );
    const tags = Array.from({ length: 16 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    // Each server works a device's tags out from those it last heard of: without the storage's
    // one step per change, the one that had not heard of the other's write dropped its tag.
    const answers = await Promise.all(
      tags.map((tag, i) =>
        (i % 2 === 0 ? first : second).client.send('/api/v1/devices/tags', {
          method: 'POST',
          body: JSON.stringify({ add: [tag], devices: ['tagged-1', 'tagged-2'] }),
          headers: { 'Content-Type': 'application/json' },
        }),
      ),
    );
    for (const res of answers) expect(res.status, res.text).to.equal(200);
    for (const server of [first, second])
      for (const id of ['tagged-1', 'tagged-2'])
        await eventually(
          async () => (await view(server, id)).tags.join() === tags.join(),
          `every tag on ${id}, as both servers see it`,
        );
  });

  it("judges an operator's action on the rollout as stored, whichever server made the last change a moment ago", async () => {
    const image = smallImage({ version: '3.0.0', projectName: 'lamp', seed: 3 });
    expect((await first.client.put('/files/fw/lamp-3.0.0.bin', image, BIN)).status).to.equal(200);
    const apis = [new RolloutApi(first.client), new RolloutApi(second.client)];
    try {
      const rollout = await apis[0]!.create({ name: 'both ways', file: 'fw/lamp-3.0.0.bin', waves: [10, 100] });
      // Each action on the other server at once, before it could have heard of the one before.
      const steps = ['start', 'pause', 'resume', 'advance', 'pause', 'resume', 'abort'] as const;
      const states = ['running', 'paused', 'running', 'running', 'paused', 'running', 'aborted'];
      for (const [n, step] of steps.entries()) {
        await eventually(
          async () => (await second.client.get(`/api/v1/rollouts/${rollout.id}`)).status === 200,
          'both servers know the rollout',
        );
        const acted = await apis[n % 2]!.act(rollout.id, step);
        expect([step, acted.state]).to.deep.equal([step, states[n]]);
      }
      for (const api of apis) {
        await eventually(
          async () => (await api.rollout(rollout.id)).state === 'aborted',
          'both servers see it aborted',
        );
        expect((await api.rollout(rollout.id)).wave).to.equal(1);
      }
    } finally {
      for (const api of apis) api.close();
    }
  });

  it('holds a rollout started on one to its in-flight cap with devices polling both, and reaches every device', async () => {
    const CAP = 4;
    const DEVICES = 32;
    const running = smallImage({ version: OLD, projectName: 'lamp', seed: 1 });
    const target = smallImage({ version: NEW, projectName: 'lamp', seed: 2, kib: 16 });
    expect((await first.client.put('/files/fw/lamp-1.0.0.bin', running, BIN)).status).to.equal(200);
    expect((await second.client.put(`/files/${TARGET_FILE}`, target, BIN)).status).to.equal(200);
    const ca = (await testCertificate()).cert;
    const options = { pollsAfterUpdate: 2 };
    // Half the devices poll the first server, half the second.
    const fleets = [
      new RolloutFleet(first.server.address.port, ca, first.client, options),
      new RolloutFleet(second.server.address.port, ca, second.client, options),
    ];
    const api = new RolloutApi(first.client);
    try {
      const devices: FleetDevice[] = Array.from({ length: DEVICES }, (_, n) => ({
        id: `twin-cap-${String(n).padStart(2, '0')}`,
        behaviour: 'updates',
        version: OLD,
        auth: TEST_DEVICE_CREDENTIAL,
        address: loopbackAddress(n),
      }));
      const fleetOf = (d: FleetDevice) => fleets[Number(d.id.slice(-2)) % 2] as RolloutFleet;
      const rollout = await api.create({
        name: 'capped across servers',
        file: TARGET_FILE,
        waves: [100],
        maxInFlight: CAP,
        maxOffersPerMinute: 100_000,
      });
      await api.act(rollout.id, 'start');
      // The second server hears of the start.
      await eventually(
        async () => JSON.parse((await second.client.get(`/api/v1/rollouts/${rollout.id}`)).text).state === 'running',
        'the second server runs the rollout',
      );
      await inParallel(devices, DEVICES, async (d) => {
        const fleet = fleetOf(d);
        for (let round = 0; fleet.versionOf(d) === OLD; round += 1) {
          if (round === 600) throw new Error(`${d.id} was still not offered after ${round} polls`);
          await fleet.serve(d);
          if (fleet.versionOf(d) === OLD) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      for (const d of devices) expect(fleetOf(d).versionOf(d), d.id).to.equal(NEW);

      // From the attempts as stored, whichever server made them: each was in flight from its
      // offer to its success, and never more than CAP at once.
      let listed: Awaited<ReturnType<RolloutApi['devices']>> = [];
      await eventually(async () => {
        listed = await api.devices(rollout.id);
        return listed.length === DEVICES && listed.every((item) => item.state === 'succeeded');
      }, 'the first server sees every attempt succeeded');
      const moments: Array<[number, number]> = [];
      for (const item of listed) moments.push([Date.parse(item.offeredAt), 1], [Date.parse(item.updatedAt), -1]);
      moments.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let inFlight = 0;
      let most = 0;
      for (const [, change] of moments) {
        inFlight += change;
        most = Math.max(most, inFlight);
      }
      expect(most).to.be.within(1, CAP);
      // Both servers made offers.
      const offeredBy = fleets.map((fleet) => devices.filter((d) => fleet.wasOffered(d.id)).length);
      expect(offeredBy[0]).to.be.greaterThan(0);
      expect(offeredBy[1]).to.be.greaterThan(0);
    } finally {
      api.close();
      for (const fleet of fleets) fleet.close();
    }
  });
});
