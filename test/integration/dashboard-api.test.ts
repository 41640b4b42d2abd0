import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import { expectProblem, FleetApi, jsonOf } from '../support/fleet-api-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

const BIN = 'application/octet-stream';

/**
 * What the dashboard asks of the API beyond what the CLI did: the inventory's id search, what
 * uses a file, and the preview of a rollout definition before it is created.
 */
describe('HTTP: the API the dashboard uses', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  before(async () => {
    t = await startTestServer();
    api = new FleetApi(t);
    const running = buildEspImage({ version: '1.0.0', projectName: 'lamp' });
    const target = buildEspImage({ version: '2.0.0', projectName: 'lamp', seed: 2 });
    expect((await t.client.put('/files/lamp-1.0.0.bin', running, BIN)).status).to.equal(200);
    expect((await t.client.put('/files/fw/lamp-2.0.0.bin', target, BIN)).status).to.equal(200);
    const ids = ['24:0A:C4:00:01:02', '24:0a:c4:00:01:03', 'kitchen-lamp', 'hall-lamp', 'held-lamp'];
    await api.pollAll(ids, () => '1.0.0');
    expect((await api.patch('held-lamp', { hold: true })).status).to.equal(200);
    for (const id of ['kitchen-lamp', 'hall-lamp']) {
      const row = `"${id}","0.9","fw/lamp-2.0.0.bin"`;
      expect((await t.client.put(`/devices/${id}`, row, 'text/csv')).status).to.equal(200);
    }
  });
  after(async () => {
    api.close();
    await t.stop();
  });

  it('finds devices by part of their id, in any case, alone or with the other filters', async () => {
    expect((await api.listAll('search=0A:C4')).ids).to.deep.equal(['24:0A:C4:00:01:02', '24:0a:c4:00:01:03']);
    expect((await api.listAll('search=LAMP&unassigned=true')).ids).to.deep.equal(['held-lamp']);
    expect((await api.listAll('search=nothing')).ids).to.deep.equal([]);
    expectProblem(await t.client.get(`/api/v1/devices?search=${'x'.repeat(65)}`), 400, 'invalid-query');
  });

  it('lists the latest events of the log (latest=N), alone or filtered, never with a cursor', async () => {
    for (const id of ['kitchen-lamp', 'hall-lamp', 'kitchen-lamp', 'hall-lamp']) {
      expect((await api.patch(id, { note: `checked at ${Date.now()}` })).status).to.equal(200);
    }
    const all = jsonOf<{ items: { seq: number; type: string; device: string }[] }>(
      await t.client.get('/api/v1/events?limit=1000'),
    ).items;
    expect(all.length).to.be.greaterThan(3);
    const tail = jsonOf<{ items: { seq: number }[]; next: number }>(await t.client.get('/api/v1/events?latest=3'));
    expect(tail.items.map((event) => event.seq)).to.deep.equal(all.slice(-3).map((event) => event.seq));
    expect(tail.next).to.equal(all.at(-1)?.seq);
    const held = jsonOf<{ items: { device: string }[] }>(
      await t.client.get(`/api/v1/events?latest=${all.length}&device=held-lamp`),
    );
    expect(held.items.length).to.be.greaterThan(0);
    expect(held.items.every((event) => event.device === 'held-lamp')).to.equal(true);
    const newest = jsonOf<{ items: { seq: number }[] }>(await t.client.get('/api/v1/events?latest=3&limit=1'));
    expect(newest.items.map((event) => event.seq)).to.deep.equal([all.at(-1)?.seq]);
    expect(expectProblem(await t.client.get('/api/v1/events?latest=0'), 400, 'invalid-query').detail).to.include(
      'latest',
    );
    expectProblem(await t.client.get('/api/v1/events?latest=3&after=1'), 400, 'invalid-query');
  });

  it('lists the latest audit records (latest=N), never with a cursor', async () => {
    const all = jsonOf<{ items: { seq: number }[] }>(await t.client.get('/api/v1/audit')).items;
    expect(all.length).to.be.greaterThan(2);
    const tail = jsonOf<{ items: { seq: number }[] }>(await t.client.get('/api/v1/audit?latest=2'));
    expect(tail.items.map((record) => record.seq)).to.deep.equal(all.slice(-2).map((record) => record.seq));
    expectProblem(await t.client.get('/api/v1/audit?latest=2&after=1'), 400, 'invalid-query');
  });

  it('tells what uses a file: the device rows naming it and the rollouts targeting it', async () => {
    const created = await api.send('POST', '/api/v1/rollouts', { name: 'lamp 2', file: 'fw/lamp-2.0.0.bin' });
    expect(created.status, created.text).to.equal(201);
    const { id } = jsonOf<{ id: string }>(created);
    const file = jsonOf<{ path: string; usage: unknown }>(await t.client.get('/api/v1/files/fw/lamp-2.0.0.bin'));
    expect(file.path).to.equal('fw/lamp-2.0.0.bin');
    expect(file.usage).to.deep.equal({
      devices: ['hall-lamp', 'kitchen-lamp'],
      rollouts: [{ id, name: 'lamp 2', state: 'draft' }],
    });
    const unused = jsonOf<{ usage: unknown }>(await t.client.get('/api/v1/files/lamp-1.0.0.bin'));
    expect(unused.usage).to.deep.equal({ devices: [], rollouts: [] });
    // The listing is as it was: no usage there.
    const listed = jsonOf<Record<string, unknown>[]>(await t.client.get('/api/v1/files'));
    expect(listed.every((entry) => !('usage' in entry))).to.equal(true);
  });

  it('previews a definition before it exists: exclusions by rule, waves, and nothing stored', async () => {
    const before = jsonOf<{ items: unknown[] }>(await t.client.get('/api/v1/rollouts')).items.length;
    const res = await api.send('POST', '/api/v1/rollouts/preview', {
      name: 'draft in a form',
      file: 'fw/lamp-2.0.0.bin',
      waves: [50, 100],
    });
    expect(res.status, res.text).to.equal(200);
    const preview = jsonOf<{
      selected: number;
      eligible: number;
      excluded: Record<string, number>;
      waves: { percent: number; devices: number }[];
    }>(res);
    expect(preview.selected).to.equal(5);
    expect(preview.excluded).to.deep.include({ held: 1 });
    expect(preview.eligible).to.equal(4);
    expect(preview.waves.map((wave) => wave.percent)).to.deep.equal([50, 100]);
    expect(preview.waves[1]?.devices).to.equal(4);
    expect(jsonOf<{ items: unknown[] }>(await t.client.get('/api/v1/rollouts')).items.length).to.equal(before);
  });

  it('names every bad field of a definition it cannot preview (400 invalid-rollout)', async () => {
    const res = await api.send('POST', '/api/v1/rollouts/preview', { name: '', file: 'missing.bin', waves: [50, 10] });
    const problem = expectProblem(res, 400, 'invalid-rollout') as { problems?: { path: string[] }[] };
    const fields = (problem.problems ?? []).map((p) => p.path[0]);
    expect(fields).to.include.members(['name', 'file', 'waves']);
  });
});
