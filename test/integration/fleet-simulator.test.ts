import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import { eventually } from '../support/eventually.js';
import type { Behaviour, DeviceRun, VirtualDevice } from '../support/fleet-simulator.js';
import {
  BEHAVIOURS,
  CHUNK,
  ENDED_STATE,
  FINAL_STATE,
  FleetSimulator,
  loopbackAddress,
  TRANSITIONS,
} from '../support/fleet-simulator.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL, testCertificate } from '../support/test-server.js';

const BIN = 'application/octet-stream';
const OLD = '1.0.0';
const DEVICES = 240;
const HOUR = 3_600_000;
/** The default rules: 2 more polls after provisional succeed; 1 hour after downloaded is silent. */
const POLLS_AFTER_UPDATE = 3;

interface AttemptJson {
  id: string;
  state: string;
  file: string;
  version: string | null;
  fromVersion: string;
  attribution: string | null;
  downloads: number;
  servedBytes: number;
  fileSize: number;
}
interface DeviceJson {
  id: string;
  runningVersion: string;
  auth: string;
  unassigned: boolean;
  lastStatus: number;
  polls: number;
  attempt: AttemptJson | null;
  attempts: AttemptJson[];
}
interface EventJson {
  seq: number;
  at: string;
  device: string;
  type: string;
  attempt?: string;
  [field: string]: unknown;
}

/** Three ~400-600 KiB images, so that a drop after 64 KiB is a real mid-download drop. */
const IMAGES = [
  {
    path: 'fw/lamp-2.0.0.bin',
    image: buildEspImage({ version: '2.0.0', projectName: 'lamp', segmentLengths: [512, 400 * 1024], seed: 2 }),
  },
  {
    path: 'fw/valve-3.1.0.bin',
    image: buildEspImage({ version: '3.1.0', projectName: 'valve', segmentLengths: [512, 500 * 1024], seed: 3 }),
  },
  {
    path: 'fw/meter-1.5.0.bin',
    image: buildEspImage({
      version: '1.5.0',
      projectName: 'meter',
      chip: 'esp32c3',
      segmentLengths: [512, 600 * 1024],
      seed: 4,
    }),
  },
];
const VERSION_OF: Record<string, string> = {
  'fw/lamp-2.0.0.bin': '2.0.0',
  'fw/valve-3.1.0.bin': '3.1.0',
  'fw/meter-1.5.0.bin': '1.5.0',
};

async function parallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/**
 * A few hundred virtual ESP32s over real HTTPS (issue 16): each does what its behaviour says, and
 * the server, seeing only their polls and downloads, must tell every outcome apart.
 */
describe('Fleet simulator: outcomes inferred from polls and downloads alone', function () {
  this.timeout(120_000);
  let t: RunningTestServer;
  let offset = 0;
  let simulator: FleetSimulator;
  let runs: DeviceRun[] = [];
  const devices: VirtualDevice[] = [];
  const fileOf = new Map<string, string>();

  const getJson = async <T>(path: string): Promise<T> => {
    const res = await t.client.get(path);
    expect(res.status, `${path}: ${res.text}`).to.equal(200);
    return JSON.parse(res.text) as T;
  };
  const device = (id: string) => getJson<DeviceJson>(`/api/v1/devices/${id}`);
  const events = async (id: string) => (await getJson<{ items: EventJson[] }>(`/api/v1/events?device=${id}`)).items;

  before(async () => {
    // The fleet's clock runs with the wall clock, and jumps when the test says so (silence).
    t = await startTestServer({ fleet: { flushIntervalMs: 100 }, now: () => Date.now() + offset });
    const tls = await testCertificate();
    simulator = new FleetSimulator(t.server.address.port, tls.cert, t.client, {
      concurrency: 32,
      pollsAfterUpdate: POLLS_AFTER_UPDATE,
    });
    for (const { path, image } of IMAGES)
      expect((await t.client.put(`/files/${path}`, image, BIN)).status).to.equal(200);

    for (let index = 0; index < DEVICES; index += 1) {
      const behaviour = BEHAVIOURS[index % BEHAVIOURS.length] as Behaviour;
      const id = `sim-${String(index).padStart(3, '0')}`;
      const file = (IMAGES[index % IMAGES.length] as (typeof IMAGES)[number]).path;
      if (behaviour !== 'unassigned') fileOf.set(id, file);
      devices.push({
        id,
        behaviour,
        version: OLD,
        auth: TEST_DEVICE_CREDENTIAL,
        address: loopbackAddress(index),
        // Past the first 64 KiB chunk, far from the end of every image.
        cutAt: CHUNK + 16_384 * (1 + (index % 5)),
      });
    }
    await parallel(devices, 16, async (d) => {
      const file = fileOf.get(d.id);
      if (file === undefined) return;
      const res = await t.client.put(`/devices/${d.id}`, `"${d.id}","${OLD}","${file}"`, 'text/csv');
      expect(res.status, res.text).to.equal(200);
    });
    // Every third assigned device has its own credential (direct); the rest share one (inferred).
    await parallel(devices, 16, async (d) => {
      const index = devices.indexOf(d);
      if (!fileOf.has(d.id) || index % 3 !== 0) return;
      const res = await t.client.send(`/api/v1/devices/${d.id}/credentials`, { method: 'POST' });
      expect(res.status, res.text).to.equal(201);
      const { username, password } = JSON.parse(res.text) as { username: string; password: string };
      devices[index] = { ...d, auth: { username, password } };
    });

    runs = await simulator.run(devices);

    // An hour after the last downloads, the sweep must notice the bricks.
    offset += 2 * HOUR;
    const silent = devices.filter((d) => d.behaviour === 'goes-silent').length;
    await eventually(
      async () => (await getJson<{ attempts: Record<string, number> }>('/api/v1/fleet')).attempts.silent === silent,
      `${silent} silent attempts`,
    );
  });
  after(() => t.stop());

  const ownCredential = (d: VirtualDevice) => d.auth.username === d.id;

  it('ran every behaviour, with both kinds of credentials', () => {
    expect(runs).to.have.length(DEVICES);
    for (const behaviour of BEHAVIOURS) {
      const of = devices.filter((d) => d.behaviour === behaviour);
      expect(of.length, behaviour).to.be.greaterThan(20);
      if (behaviour !== 'unassigned') {
        expect(of.some(ownCredential), `${behaviour} with its own credential`).to.equal(true);
        expect(
          of.some((d) => !ownCredential(d)),
          `${behaviour} with the shared one`,
        ).to.equal(true);
      }
    }
  });

  it("leaves each device's attempt in the state its behaviour implies, the ended one kept in its attempts", async () => {
    await parallel(runs, 16, async (run) => {
      const { id, behaviour } = run.device;
      const seen = await device(id);
      const what = `${id} (${behaviour}): ${JSON.stringify(seen.attempts)}`;
      expect(seen.runningVersion, what).to.equal(run.version);
      expect(seen.polls, what).to.equal(run.polls.length);
      expect(seen.auth, what).to.equal(ownCredential(run.device) ? 'device' : 'shared');
      expect(seen.unassigned, what).to.equal(behaviour === 'unassigned');
      if (behaviour === 'unassigned') {
        expect([seen.attempt, seen.attempts, seen.lastStatus], what).to.deep.equal([null, [], 404]);
        return;
      }
      const file = fileOf.get(id) as string;
      const size = (IMAGES.find((image) => image.path === file) as (typeof IMAGES)[number]).image.length;
      expect(seen.attempt?.state, what).to.equal(FINAL_STATE[behaviour]);
      expect(seen.attempts[0]?.id, what).to.equal(seen.attempt?.id);
      for (const attempt of seen.attempts) {
        expect([attempt.file, attempt.version, attempt.fromVersion, attempt.fileSize], what).to.deep.equal([
          file,
          VERSION_OF[file],
          OLD,
          size,
        ]);
      }
      const ended = ENDED_STATE[behaviour];
      // The attempt whose downloads the device made: the current one, or the one its last poll ended.
      const downloaded = ended === undefined ? seen.attempts[0] : seen.attempts[1];
      if (ended !== undefined) {
        expect(
          seen.attempts.map((a) => a.state),
          what,
        ).to.deep.equal(['offered', ended]);
        expect([seen.attempt?.downloads, seen.attempt?.servedBytes, seen.attempt?.attribution], what).to.deep.equal([
          0,
          0,
          null,
        ]);
      } else {
        expect(seen.attempts, what).to.have.length(1);
      }
      expect(downloaded?.attribution, what).to.equal(ownCredential(run.device) ? 'direct' : 'inferred');
      switch (behaviour) {
        case 'refuses':
          // HEAD, then one chunk.
          expect([downloaded?.downloads, downloaded?.servedBytes], what).to.deep.equal([2, CHUNK]);
          break;
        case 'download-fails':
          expect(downloaded?.downloads, what).to.equal(1);
          expect(downloaded?.servedBytes, what).to.be.within(run.received, size - 1);
          break;
        case 'drops-then-resumes':
          expect([downloaded?.downloads, downloaded?.servedBytes], what).to.deep.equal([2, size]);
          break;
        default:
          expect([downloaded?.downloads, downloaded?.servedBytes], what).to.deep.equal([1, size]);
      }
    });
  });

  it('adds up in the fleet summary and the listing', async () => {
    const summary = await getJson<{
      devices: number;
      unassigned: number;
      versions: Array<{ project: string | null; version: string; chip: string | null; count: number }>;
      attempts: Record<string, number>;
    }>('/api/v1/fleet');
    expect(summary.devices).to.equal(DEVICES);
    expect(summary.unassigned).to.equal(devices.filter((d) => d.behaviour === 'unassigned').length);
    expect(summary.versions.reduce((sum, group) => sum + group.count, 0)).to.equal(DEVICES);
    const byVersion = new Map<string, number>();
    for (const run of runs) byVersion.set(run.version, (byVersion.get(run.version) ?? 0) + 1);
    const summed = new Map<string, number>();
    for (const group of summary.versions) summed.set(group.version, (summed.get(group.version) ?? 0) + group.count);
    expect(Object.fromEntries(summed)).to.deep.equal(Object.fromEntries(byVersion));
    // A device running a stored image's version is known by it: project and chip.
    for (const group of summary.versions.filter((g) => g.version !== OLD)) {
      const image = IMAGES.find((i) => VERSION_OF[i.path] === group.version) as (typeof IMAGES)[number];
      expect(group.project, group.version).to.equal(image.path.slice(3).split('-')[0]);
    }

    const expected: Record<string, number> = {};
    for (const d of devices) {
      const state = FINAL_STATE[d.behaviour];
      if (state !== null) expected[state] = (expected[state] ?? 0) + 1;
    }
    const nonZero = Object.fromEntries(Object.entries(summary.attempts).filter(([, count]) => count > 0));
    expect(nonZero).to.deep.equal(expected);

    for (const [state, count] of Object.entries(expected)) {
      const page = await getJson<{ items: Array<{ id: string }>; next: string | null }>(
        `/api/v1/devices?state=${state}`,
      );
      expect(page.items.length, state).to.equal(count);
    }
    const all = await getJson<{ items: Array<{ id: string }> }>('/api/v1/devices');
    expect(all.items.map((item) => item.id)).to.deep.equal(devices.map((d) => d.id));
  });

  it("shows each device's transitions in order, each attempt's beginning with its offer", async () => {
    await parallel(runs, 16, async (run) => {
      const { id, behaviour } = run.device;
      const timeline = await events(id);
      const what = `${id} (${behaviour}): ${timeline.map((e) => e.type).join(', ')}`;
      const seqs = timeline.map((e) => e.seq);
      expect(seqs, what).to.deep.equal([...seqs].sort((a, b) => a - b));
      const times = timeline.map((e) => Date.parse(e.at));
      expect(times, what).to.deep.equal([...times].sort((a, b) => a - b));
      expect(timeline[0]?.type, what).to.equal('first-seen');
      const transitions = timeline.filter((e) => e.type !== 'first-seen' && e.type !== 'version-changed');
      expect(
        transitions.map((e) => e.type),
        what,
      ).to.deep.equal(TRANSITIONS[behaviour]);
      // Each attempt's events name it, and begin with its offer.
      const seen = new Set<string>();
      for (const event of transitions) {
        const attempt = event.attempt as string;
        if (!seen.has(attempt)) expect(event.type, `${what}: first event of ${attempt}`).to.equal('offered');
        seen.add(attempt);
      }
      const changes = timeline.filter((e) => e.type === 'version-changed');
      const versions = run.polls.map((p) => p.version).filter((v, i, all) => i === 0 || v !== all[i - 1]);
      expect(
        changes.map((e) => [e.from, e.to]),
        what,
      ).to.deep.equal(versions.slice(1).map((v, i) => [versions[i], v]));
    });
  });
});

/**
 * The seed's rule with an inventory: the row names the version a device is updated from, so every
 * poll with it is offered the file. After an attempt ends badly, the next poll begins a new one;
 * the ended one stays in the device's attempts, and the new one can still succeed.
 */
describe('Fleet simulator: a failed attempt, then the re-offer', function () {
  this.timeout(60_000);
  let t: RunningTestServer;
  let simulator: FleetSimulator;
  const { path, image } = IMAGES[1] as (typeof IMAGES)[number];
  const scripts: Array<{ behaviour: Behaviour; own: boolean }> = [
    { behaviour: 'rolls-back', own: false },
    { behaviour: 'rolls-back', own: true },
    { behaviour: 'rolls-back-provisional', own: false },
    { behaviour: 'download-fails', own: false },
    { behaviour: 'download-fails', own: true },
    { behaviour: 'refuses', own: false },
    { behaviour: 'refuses', own: true },
  ];

  before(async () => {
    t = await startTestServer({ fleet: { flushIntervalMs: 100 } });
    simulator = new FleetSimulator(t.server.address.port, (await testCertificate()).cert, t.client, {
      concurrency: 8,
      pollsAfterUpdate: POLLS_AFTER_UPDATE,
    });
    expect((await t.client.put(`/files/${path}`, image, BIN)).status).to.equal(200);
  });
  after(() => t.stop());

  it('starts a new attempt on the next poll, keeps the ended one, and lets the new one succeed', async () => {
    const devices: VirtualDevice[] = [];
    for (const [index, { behaviour, own }] of scripts.entries()) {
      const id = `again-${index}`;
      expect((await t.client.put(`/devices/${id}`, `"${id}","${OLD}","${path}"`, 'text/csv')).status).to.equal(200);
      let auth = TEST_DEVICE_CREDENTIAL;
      if (own) {
        const res = await t.client.send(`/api/v1/devices/${id}/credentials`, { method: 'POST' });
        auth = JSON.parse(res.text) as { username: string; password: string };
      }
      devices.push({ id, behaviour, version: OLD, auth, address: loopbackAddress(index), cutAt: 3 * CHUNK });
    }
    const first = await simulator.run(devices);
    await parallel(first, 4, async (run) => {
      const { id, behaviour } = run.device;
      const ended = ENDED_STATE[behaviour] as string;
      const before = await getDevice(t, id);
      expect(
        before.attempts.map((a) => a.state),
        id,
      ).to.deep.equal(['offered', ended]);
      // esp32-fuota downloads right after the 200 that re-offered the file: this time it updates.
      const again = await simulator.runDevice({ ...run.device, behaviour: 'updates' }, run.file);
      expect(again.polls.map((p) => p.status)).to.deep.equal([204, 204, 204]);
      const seen = await getDevice(t, id);
      const what = `${id}: ${JSON.stringify(seen.attempts)}`;
      expect(
        seen.attempts.map((a) => a.state),
        what,
      ).to.deep.equal(['succeeded', ended]);
      expect(
        seen.attempts.map((a) => a.id),
        what,
      ).to.deep.equal(before.attempts.map((a) => a.id));
      expect(seen.attempt?.id, what).to.equal(seen.attempts[0]?.id);
      expect(seen.attempts[0]?.attribution, what).to.equal(run.device.auth.username === id ? 'direct' : 'inferred');
      const res = await t.client.get(`/api/v1/events?device=${id}`);
      const types = (JSON.parse(res.text) as { items: EventJson[] }).items.map((e) => e.type);
      expect(
        types.filter((type) => type !== 'first-seen' && type !== 'version-changed'),
        what,
      ).to.deep.equal([...TRANSITIONS[behaviour], 'downloading', 'downloaded', 'provisional', 'succeeded']);
    });
  });
});

async function getDevice(t: RunningTestServer, id: string): Promise<DeviceJson> {
  const res = await t.client.get(`/api/v1/devices/${id}`);
  expect(res.status, res.text).to.equal(200);
  return JSON.parse(res.text) as DeviceJson;
}
