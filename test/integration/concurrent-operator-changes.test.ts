import { expect } from 'chai';
import type { DeviceJson } from '../support/fleet-api-client.js';
import { FleetApi, jsonOf } from '../support/fleet-api-client.js';
import { RolloutApi, smallImage } from '../support/rollout-fleet.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

interface AuditJson {
  readonly action: string;
  readonly target: string;
  readonly detail: Record<string, unknown>;
}

const TARGET = 'fw/lamp-2.0.0.bin';

/**
 * Operators' changes made at the same time, over real HTTPS: each one answered as made is kept
 * and audited as it was made. Each used to be worked out from what its request read before an
 * earlier one's write had ended, and the later write dropped the earlier one's change (ten tags
 * added at once to one device kept three; a rollout's halt rule edited beside its cap was lost).
 */
describe('HTTP: operators changing the same thing at once', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  let rollouts: RolloutApi;
  before(async () => {
    // On disk: each write waits for the disk, so requests made at once interleave as they do
    // on a production server (in memory a write ends before the next request is read).
    t = await startTestServer({ storage: 'disk' });
    api = new FleetApi(t);
    rollouts = new RolloutApi(t.client);
    for (const id of ['busy-1', 'busy-2']) expect((await api.poll(id, '1.0.0')).status).to.equal(404);
    const image = smallImage({ version: '2.0.0', projectName: 'lamp', seed: 7 });
    expect((await t.client.put(`/files/${TARGET}`, image, 'application/octet-stream')).status).to.equal(200);
  });
  after(async () => {
    api.close();
    rollouts.close();
    await t.stop();
  });

  const auditOf = async (action: string) =>
    (await api.getJson<{ items: AuditJson[] }>('/api/v1/audit?limit=1000')).items.filter(
      (record) => record.action === action,
    );

  it('keeps every tag of bulk taggings made at once, each answered as a change', async () => {
    const tags = Array.from({ length: 12 }, (_, i) => `t${i}`);
    const answers = await Promise.all(tags.map((tag) => api.tag({ add: [tag], devices: ['busy-1', 'busy-2'] })));
    for (const res of answers) {
      expect(res.status, res.text).to.equal(200);
      expect(jsonOf<{ changed: number }>(res).changed).to.equal(2);
    }
    for (const id of ['busy-1', 'busy-2'])
      expect((await api.getJson<DeviceJson>(`/api/v1/devices/${id}`)).tags).to.have.members(tags);
    // Removing some while adding others, at once: exactly what each asked for is left.
    await Promise.all([
      ...tags.slice(0, 6).map((tag) => api.tag({ remove: [tag], devices: ['busy-1'] })),
      api.tag({ add: ['late'], devices: ['busy-1'] }),
    ]);
    expect((await api.getJson<DeviceJson>('/api/v1/devices/busy-1')).tags).to.have.members([...tags.slice(6), 'late']);
    // Each tagging's audit record names the tags the device carried right after it: one of them
    // carries all twelve (the last to be made), none repeats another's.
    const records = (await auditOf('device.tags')).filter((record) => record.target === 'busy-2');
    const counts = records.map((record) => (record.detail.tags as string[]).length).sort((a, b) => a - b);
    expect(counts).to.deep.equal(tags.map((_, i) => i + 1));
  });

  it("audits what each of several changes made at once set, not another's", async () => {
    const notes = Array.from({ length: 8 }, (_, i) => `note ${i}`);
    const answers = await Promise.all(notes.map((note) => api.patch('busy-2', { note })));
    for (const [i, res] of answers.entries()) {
      expect(res.status, res.text).to.equal(200);
      expect(jsonOf<DeviceJson>(res).note).to.equal(notes[i]);
    }
    const audited = (await auditOf('device.patch'))
      .filter((record) => record.target === 'busy-2')
      .map((record) => record.detail.note);
    expect(audited).to.have.members(notes);
    expect(notes).to.include((await api.getJson<DeviceJson>('/api/v1/devices/busy-2')).note);
  });

  it("keeps both of two edits of a paused rollout's different fields made at once", async () => {
    const created = await rollouts.create({ name: 'busy', file: TARGET, waves: [50, 100], maxInFlight: 10 });
    await rollouts.act(created.id, 'start');
    await rollouts.act(created.id, 'pause');
    for (let round = 0; round < 5; round += 1) {
      const [halt, cap] = await Promise.all([
        t.client.send(`/api/v1/rollouts/${created.id}`, {
          method: 'PATCH',
          body: JSON.stringify({ halt: { failureCount: 10 + round } }),
          headers: { 'Content-Type': 'application/json' },
        }),
        t.client.send(`/api/v1/rollouts/${created.id}`, {
          method: 'PATCH',
          body: JSON.stringify({ maxInFlight: 20 + round }),
          headers: { 'Content-Type': 'application/json' },
        }),
      ]);
      expect(halt.status, halt.text).to.equal(200);
      expect(cap.status, cap.text).to.equal(200);
      const now = await rollouts.rollout(created.id);
      expect(now.maxInFlight, `round ${round}`).to.equal(20 + round);
      expect(now.halt, `round ${round}`).to.deep.include({ failureCount: 10 + round });
    }
  });

  it('refuses another file for a rollout that has started, with 409, and keeps its own', async () => {
    const other = smallImage({ version: '2.1.0', projectName: 'lamp', seed: 8 });
    expect((await t.client.put('/files/fw/lamp-2.1.0.bin', other, 'application/octet-stream')).status).to.equal(200);
    const created = await rollouts.create({ name: 'fixed target', file: TARGET, waves: [100] });
    // A draft may still change its file.
    const draft = await t.client.send(`/api/v1/rollouts/${created.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ file: 'fw/lamp-2.1.0.bin' }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(draft.status, draft.text).to.equal(200);
    await rollouts.act(created.id, 'start');
    await rollouts.act(created.id, 'pause');
    const res = await t.client.send(`/api/v1/rollouts/${created.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ file: TARGET }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status, res.text).to.equal(409);
    expect(JSON.parse(res.text)).to.include({ code: 'rollout-state-conflict' });
    expect((await rollouts.rollout(created.id)).file).to.equal('fw/lamp-2.1.0.bin');
    // Its file stays held: not deleted under it.
    const deleted = await t.client.send('/files/fw/lamp-2.1.0.bin?force=true', { method: 'DELETE' });
    expect(deleted.status, deleted.text).to.equal(409);
  });
});
