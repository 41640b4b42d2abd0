import { expect } from 'chai';
import type { DeviceJson } from '../support/fleet-api-client.js';
import { FleetApi, jsonOf } from '../support/fleet-api-client.js';
import { RolloutApi, smallImage } from '../support/rollout-fleet.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const PROBE = { 'Fuota-Probe': '1' };
const RUNNING = 'fw/lamp-1.0.0.bin';
const TARGET = 'fw/lamp-2.0.0.bin';

/**
 * An operator asking as a device would (`Fuota-Probe`, the CLI's `check` and `download`), over
 * real HTTPS: answered as the device row says, and nothing of the fleet changes. Before, such a
 * check put a made-up device in the inventory, took a rollout offer that then counted as the
 * device's failure, and a download was credited to a device's attempt.
 */
describe('HTTP: an operator probing the device routes', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  let rollouts: RolloutApi;
  before(async () => {
    t = await startTestServer();
    api = new FleetApi(t);
    rollouts = new RolloutApi(t.client);
    for (const [path, image] of [
      [RUNNING, smallImage({ version: '1.0.0', projectName: 'lamp', seed: 1 })],
      [TARGET, smallImage({ version: '2.0.0', projectName: 'lamp', seed: 2 })],
    ] as const)
      expect((await t.client.put(`/files/${path}`, image, 'application/octet-stream')).status).to.equal(200);
    const row = `"row-1","1.0.0","${TARGET}"`;
    expect((await t.client.put('/devices/row-1', row, 'text/csv')).status).to.equal(200);
  });
  after(async () => {
    api.close();
    rollouts.close();
    await t.stop();
  });

  const inventoryIds = async () =>
    (await api.getJson<{ items: DeviceJson[] }>('/api/v1/devices')).items.map((device) => device.id);

  it("answers as the device's row says and records nothing; without the header the same check is the device's", async () => {
    const probe = await api.poll('row-1', '1.0.0', { headers: PROBE });
    expect([probe.status, probe.text]).to.deep.equal([200, TARGET]);
    expect((await api.poll('nobody-1', '1.0.0', { headers: PROBE })).status).to.equal(404);
    expect(await inventoryIds()).to.deep.equal([]);
    const detail = await api.getJson<{ attempts: unknown[] }>('/api/v1/devices/row-1');
    expect(detail.attempts).to.deep.equal([]);
    // The seed's shared credential is what devices use: without the header, a check is theirs.
    expect((await api.poll('row-1', '1.0.0')).status).to.equal(200);
    expect(await inventoryIds()).to.deep.equal(['row-1']);
    const seen = await api.getJson<DeviceJson>('/api/v1/devices/row-1');
    expect(seen.polls).to.equal(1);
    expect(seen.attempt).to.deep.include({ state: 'offered', file: TARGET });
    // Another probe counts no poll.
    await api.poll('row-1', '1.0.0', { headers: PROBE });
    expect((await api.getJson<DeviceJson>('/api/v1/devices/row-1')).polls).to.equal(1);
  });

  it('leaves an attempt as it was when the offered file is downloaded as a probe', async () => {
    const download = await t.client.get(`/files/${TARGET}`, { headers: PROBE });
    expect(download.status).to.equal(200);
    expect((await api.getJson<DeviceJson>('/api/v1/devices/row-1')).attempt).to.deep.include({ state: 'offered' });
  });

  it('is the device’s check with the header set to anything but 1', async () => {
    for (const value of ['0', '', 'yes']) {
      expect((await api.poll('zero-1', '1.0.0', { headers: { 'Fuota-Probe': value } })).status).to.equal(404);
    }
    expect((await api.getJson<DeviceJson>('/api/v1/devices/zero-1')).polls).to.equal(3);
  });

  it('is a device credential’s check all the same when it carries the header', async () => {
    const res = await api.poll('cred-1', '1.0.0', { headers: PROBE, auth: TEST_DEVICE_CREDENTIAL });
    expect(res.status).to.equal(404);
    expect(await inventoryIds()).to.include('cred-1');
  });

  it('asks no rollout: the probe gets the row’s answer, and the offer stays for the device', async () => {
    const created = await rollouts.create({ name: 'probe-free', file: TARGET, waves: [100], maxInFlight: 1 });
    await rollouts.act(created.id, 'start');
    // A device in the inventory running lamp 1.0.0 without a row: the rollout's to offer to.
    expect((await api.poll('fleet-1', '0.9.0')).status).to.equal(404);
    const probe = await api.poll('fleet-1', '1.0.0', { headers: PROBE });
    expect(probe.status).to.equal(404);
    expect((await rollouts.rollout(created.id)).inFlight).to.equal(0);
    const offered = await api.poll('fleet-1', '1.0.0');
    expect(offered.status, offered.text).to.equal(200);
    expect(offered.text).to.match(/^\.offer\//);
    expect((await rollouts.rollout(created.id)).inFlight).to.equal(1);
    expect(jsonOf<DeviceJson>(await api.get('/api/v1/devices/fleet-1')).runningVersion).to.equal('1.0.0');
  });

  it('records no HEAD of a check, a device\u2019s included: it learns no path, so nothing is offered', async () => {
    const row = `"head-1","1.0.0","${TARGET}"`;
    expect((await t.client.put('/devices/head-1', row, 'text/csv')).status).to.equal(200);
    // Before: a HEAD recorded the device and an `offered` attempt whose path no one was given.
    for (const auth of [undefined, TEST_DEVICE_CREDENTIAL]) {
      const res = await t.client.send('/devices/head-1?app_ver=1.0.0', {
        method: 'HEAD',
        ...(auth === undefined ? {} : { auth }),
      });
      expect([res.status, res.headers['content-length'], res.text]).to.deep.equal([200, String(TARGET.length), '']);
    }
    expect(await inventoryIds()).to.not.include('head-1');
    // A rollout that would offer to a device polling so asks nothing of a HEAD either.
    expect((await t.client.send('/devices/fleet-1?app_ver=1.0.0', { method: 'HEAD' })).status).to.equal(404);
    expect((await api.poll('head-1', '1.0.0')).status).to.equal(200);
    const seen = await api.getJson<DeviceJson & { attempts: unknown[] }>('/api/v1/devices/head-1');
    expect(seen.polls).to.equal(1);
    expect(seen.attempts).to.have.length(1);
  });
});
