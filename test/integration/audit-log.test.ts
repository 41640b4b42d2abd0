import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { HttpResponse } from '../support/https-client.js';
import { expectProblem, FleetApi, ISO_UTC, jsonOf } from '../support/fleet-api-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

interface AuditJson {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly address: string | null;
  readonly action: string;
  readonly target: string;
  readonly detail: Record<string, unknown>;
  readonly requestId: string | null;
}
type AuditPage = { items: AuditJson[]; next: number | null };

const START = Date.parse('2026-03-01T12:00:00.000Z');
const OTHER_CLIENT = { localAddress: '127.0.0.2' };

/** Every record after `after`, page by page. */
async function auditAfter(api: FleetApi, after = 0): Promise<AuditJson[]> {
  const records: AuditJson[] = [];
  let cursor = after;
  for (;;) {
    const page = await api.getJson<AuditPage>(`/api/v1/audit?after=${cursor}&limit=1000`);
    records.push(...page.items);
    if (page.items.length < 1000) return records;
    cursor = page.next ?? 0;
  }
}

const lastSeq = async (api: FleetApi) => (await auditAfter(api)).at(-1)?.seq ?? 0;

/** What a test compares: the record without its seq, time and request id. */
const facts = ({ seq: _seq, at: _at, requestId: _id, ...rest }: AuditJson) => rest;

/**
 * The audit log over real HTTPS (issue 17): every kind of operator change is recorded, with who
 * (the operator credential's user name), from which address, what and on what, before it is
 * answered; a refused change is not; no secret ever is; `GET /api/v1/audit` pages by seq; the
 * log survives a restart.
 */
describe('HTTP: the audit log of operator changes', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  const clock = START;
  const image = buildEspImage({ version: 'v2.0.0', projectName: 'lamp', chip: 'esp32s3' });
  before(async () => {
    t = await startTestServer({ now: () => clock });
    api = new FleetApi(t);
  });
  after(async () => {
    api.close();
    await t.stop();
  });

  /** The records a request made, read right after its answer: recorded before it. */
  async function recordedBy(request: () => Promise<HttpResponse>, status = 200): Promise<AuditJson[]> {
    const before = await lastSeq(api);
    const res = await request();
    expect(res.status, res.text).to.equal(status);
    const records = await auditAfter(api, before);
    for (const record of records) {
      expect(record.requestId).to.equal(res.headers['x-request-id']);
      expect(record.at).to.equal(new Date(clock).toISOString()).and.match(ISO_UTC);
    }
    return records;
  }

  const address = /^(::ffff:)?127\.0\.0\.1$/;
  const operator = TEST_CREDENTIAL.username;

  it('records each kind of operator change: who, from which address, what, on what, and the facts', async () => {
    const upload = await recordedBy(() => t.client.put('/files/lamp/v2.0.0.bin', image, 'application/octet-stream'));
    expect(upload).to.have.length(1);
    const uploaded = upload[0] as AuditJson;
    expect(uploaded.address).to.match(address);
    expect(facts(uploaded)).to.deep.equal({
      actor: operator,
      address: uploaded.address,
      action: 'file.put',
      target: 'lamp/v2.0.0.bin',
      detail: {
        size: image.length,
        sha256: uploaded.detail.sha256,
        version: 'v2.0.0',
        project: 'lamp',
        chip: 'esp32s3',
      },
    });
    expect(uploaded.detail.sha256).to.match(/^[0-9a-f]{64}$/);

    const row = await recordedBy(() =>
      t.client.put('/devices/lamp-1', '"lamp-1","v1.9.0","lamp/v2.0.0.bin"', 'text/csv', OTHER_CLIENT),
    );
    expect(row.map(facts)).to.deep.equal([
      {
        actor: operator,
        address: row[0]?.address,
        action: 'device-row.put',
        target: 'lamp-1',
        detail: { appVersion: 'v1.9.0', file: 'lamp/v2.0.0.bin' },
      },
    ]);
    // Another client address is another address in the record.
    expect(row[0]?.address).to.match(/^(::ffff:)?127\.0\.0\.2$/);

    const provisioned = await recordedBy(
      () => t.client.send('/api/v1/devices/lamp-1/credentials', { method: 'POST' }),
      201,
    );
    expect(provisioned.map(facts)).to.deep.equal([
      {
        actor: operator,
        address: provisioned[0]?.address,
        action: 'device-credential.provision',
        target: 'lamp-1',
        detail: {},
      },
    ]);
    const revoked = await recordedBy(() => t.client.delete('/api/v1/devices/lamp-1/credentials'));
    expect(revoked.map((record) => [record.action, record.target])).to.deep.equal([
      ['device-credential.revoke', 'lamp-1'],
    ]);

    // Devices the inventory knows, for the fleet's changes.
    for (const id of ['lamp-1', 'lamp-2', 'lamp-3']) await api.poll(id, 'v1.9.0');
    const patched = await recordedBy(() =>
      api.patch('lamp-1', { tags: ['north', 'b', 'north'], hold: true, note: 'relay' }),
    );
    expect(patched.map(facts)).to.deep.equal([
      {
        actor: operator,
        address: patched[0]?.address,
        action: 'device.patch',
        target: 'lamp-1',
        detail: { tags: ['b', 'north'], hold: true, note: 'relay' },
      },
    ]);
    const tagged = await recordedBy(() =>
      api.tag({ add: ['floor-2'], remove: ['north'], filter: { version: 'v1.9.0' } }),
    );
    expect(tagged.map((record) => [record.action, record.target, record.detail])).to.deep.equal([
      ['device.tags', 'lamp-1', { add: ['floor-2'], remove: ['north'], tags: ['b', 'floor-2'] }],
      ['device.tags', 'lamp-2', { add: ['floor-2'], remove: ['north'], tags: ['floor-2'] }],
      ['device.tags', 'lamp-3', { add: ['floor-2'], remove: ['north'], tags: ['floor-2'] }],
    ]);
    // A bulk tagging that changes nothing records nothing.
    expect(await recordedBy(() => api.tag({ add: ['floor-2'], devices: ['lamp-2', 'nobody'] }))).to.deep.equal([]);
    // Nor does an empty change.
    expect(await recordedBy(() => api.patch('lamp-2', {}))).to.deep.equal([]);

    const forgotten = await recordedBy(() => t.client.delete('/api/v1/devices/lamp-3'));
    expect(forgotten.map((record) => [record.action, record.target, record.detail])).to.deep.equal([
      ['device.forget', 'lamp-3', {}],
    ]);
    const unassigned = await recordedBy(() => t.client.delete('/devices/lamp-1'));
    expect(unassigned.map((record) => [record.action, record.target, record.detail])).to.deep.equal([
      ['device-row.delete', 'lamp-1', {}],
    ]);

    expect((await t.client.put('/devices/lamp-2', '"lamp-2","v1.9.0","lamp/v2.0.0.bin"', 'text/csv')).status).to.equal(
      200,
    );
    const deleted = await recordedBy(() => t.client.delete('/files/lamp/v2.0.0.bin?force=true'));
    expect(deleted.map((record) => [record.action, record.target, record.detail])).to.deep.equal([
      [
        'file.delete',
        'lamp/v2.0.0.bin',
        {
          size: image.length,
          sha256: uploaded.detail.sha256,
          version: 'v2.0.0',
          project: 'lamp',
          chip: 'esp32s3',
          force: true,
          namedBy: ['lamp-2'],
        },
      ],
    ]);

    // Every action the server has today, each recorded with the operator's name.
    const all = await auditAfter(api);
    expect(new Set(all.map((record) => record.action))).to.deep.equal(
      new Set([
        'file.put',
        'device-row.put',
        'device-credential.provision',
        'device-credential.revoke',
        'device.patch',
        'device.tags',
        'device.forget',
        'device-row.delete',
        'file.delete',
      ]),
    );
    expect(new Set(all.map((record) => record.actor))).to.deep.equal(new Set([operator]));
    // The device's own timeline names the same operator.
    const detail = await api.getJson<{ events: Array<{ type: string; by?: string }> }>('/api/v1/devices/lamp-1');
    expect(detail.events.filter((event) => event.type === 'device-changed').map((event) => event.by)).to.include(
      operator,
    );
  });

  it('records no change that was refused (4xx), nor anything a device credential asked', async () => {
    expect((await t.client.put('/files/kept.bin', image, 'application/octet-stream')).status).to.equal(200);
    expect((await t.client.put('/devices/row-1', '"row-1","v1.0","kept.bin"', 'text/csv')).status).to.equal(200);
    await api.poll('row-1', 'v1.0');
    const before = await lastSeq(api);
    const device = { auth: TEST_DEVICE_CREDENTIAL };
    const refused: Array<[() => Promise<HttpResponse>, number]> = [
      [() => t.client.put('/devices/row-1', '"row-2","v1.0","kept.bin"', 'text/csv'), 400], // id mismatch
      [() => t.client.put('/devices/row-1', '"row-1","v2.0.0","kept.bin"', 'text/csv'), 409], // reinstall loop
      [() => t.client.put('/devices/row-1', '{"json":1}', 'application/json'), 415],
      [() => t.client.delete('/devices/nobody'), 404],
      [() => t.client.put('/files/bad.bin', Buffer.from('not an image'), 'application/octet-stream'), 422],
      [() => t.client.delete('/files/missing.bin'), 404],
      [() => t.client.delete('/files/kept.bin'), 409], // a row names it
      [() => t.client.delete('/api/v1/devices/row-1/credentials'), 404],
      [() => api.patch('nobody', { hold: true }), 404],
      [() => api.patch('row-1', { hold: 'yes' }), 400],
      [() => api.tag({ add: ['x'] }), 400],
      [() => t.client.delete('/api/v1/devices/nobody'), 404],
      [() => t.client.put('/devices/row-1', '"row-1","v1.1","kept.bin"', 'text/csv', device), 403],
      [() => t.client.delete('/files/kept.bin?force=true', device), 403],
      [() => t.client.send('/api/v1/devices/row-1/credentials', { ...device, method: 'POST' }), 403],
      [() => api.patch('row-1', { note: 'x' }, device), 403],
      [() => t.client.delete('/files/kept.bin?force=true', { auth: { ...TEST_CREDENTIAL, password: 'wrong' } }), 403],
    ];
    for (const [request, status] of refused) {
      const res = await request();
      expect(res.status, res.text).to.equal(status);
    }
    expect(await auditAfter(api, before)).to.deep.equal([]);
    // What was refused is still as it was.
    expect((await t.client.get('/devices')).text).to.include('"row-1","v1.0","kept.bin"');
    expect((await t.client.get('/api/v1/files/kept.bin')).status).to.equal(200);
  });

  it('records no change that changes nothing: a hold set twice, a note or tags given as they are', async () => {
    await api.poll('same-1', 'v1.0');
    expect(
      (await recordedBy(() => api.patch('same-1', { hold: true, note: 'bench', tags: ['b', 'a'] }))).length,
    ).to.equal(1);
    const before = await lastSeq(api);
    const repeats: object[] = [
      { hold: true },
      { note: 'bench' },
      { tags: ['a', 'b', 'a'] },
      { hold: true, note: 'bench' },
    ];
    for (const change of repeats) {
      const res = await api.patch('same-1', change);
      expect(res.status, res.text).to.equal(200);
      expect(JSON.parse(res.text)).to.include({ hold: true, note: 'bench' });
    }
    expect(await auditAfter(api, before)).to.deep.equal([]);
    // A change of one field given beside unchanged ones is recorded, and its event names only it.
    const [record] = await recordedBy(() => api.patch('same-1', { hold: true, note: 'moved' }));
    expect(record?.detail).to.deep.equal({ hold: true, note: 'moved' });
    const device = await api.getJson<{ events: Array<{ type: string; hold?: boolean; note?: string }> }>(
      '/api/v1/devices/same-1',
    );
    const changes = device.events.filter((event) => event.type === 'device-changed');
    expect(changes).to.have.length(2);
    expect(changes[0]).to.include({ note: 'moved' }).and.not.have.property('hold');
  });

  it('never records a secret: no password, no provisioned secret, no Authorization header', async () => {
    const res = await t.client.send('/api/v1/devices/secret-1/credentials', { method: 'POST' });
    expect(res.status).to.equal(201);
    const { password } = jsonOf<{ password: string }>(res);
    await api.patch('row-1', { note: 'rotated the credential' });
    const text = JSON.stringify(await auditAfter(api));
    const basic = Buffer.from(`${TEST_CREDENTIAL.username}:${TEST_CREDENTIAL.password}`).toString('base64');
    for (const secret of [password, TEST_CREDENTIAL.password, TEST_DEVICE_CREDENTIAL.password, basic])
      expect(text).to.not.include(secret);
    expect(text).to.include('secret-1');
  });

  it('pages with after and limit in a stable order; next continues, and stays put at the end', async () => {
    const all = await auditAfter(api);
    expect(all.length).to.be.above(10);
    const seqs = all.map((record) => record.seq);
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    const first = await api.getJson<AuditPage>('/api/v1/audit?limit=3');
    expect(first.items).to.deep.equal(all.slice(0, 3));
    expect(first.next).to.equal(all[2]?.seq);
    const second = await api.getJson<AuditPage>(`/api/v1/audit?after=${first.next}&limit=3`);
    expect(second.items).to.deep.equal(all.slice(3, 6));
    const last = all.at(-1) as AuditJson;
    const end = await api.getJson<AuditPage>(`/api/v1/audit?after=${last.seq}`);
    expect(end).to.deep.equal({ items: [], next: last.seq });
    // A later change is after that cursor.
    await api.patch('row-1', { note: 'after the end' });
    const later = await api.getJson<AuditPage>(`/api/v1/audit?after=${end.next}`);
    expect(later.items.map((record) => record.action)).to.deep.equal(['device.patch']);
    expect(later.next).to.equal(later.items[0]?.seq);
    // An empty value is no cursor.
    expect((await api.getJson<AuditPage>('/api/v1/audit?after=&limit=1')).items).to.deep.equal(all.slice(0, 1));
  });

  it('answers as its OpenAPI description says (AuditPage), which lists the query fields', async () => {
    const document = JSON.parse((await t.client.get('/api/v1/openapi.json')).text) as {
      paths: Record<string, Record<string, unknown>>;
      components: unknown;
    };
    const operation = JSON.stringify(document.paths['/api/v1/audit']?.get);
    expect(operation)
      .to.include('"name":"after"')
      .and.include('"name":"limit"')
      .and.include('"x-fuota-role":"operator"');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
    const check = ajv.compile({ $ref: 'openapi.json#/components/schemas/AuditPage' });
    const page = await api.getJson<AuditPage>('/api/v1/audit');
    expect(page.items.length).to.be.above(0);
    expect(check(page), JSON.stringify(check.errors, null, 2)).to.equal(true);
    expect(check({ items: [{ ...page.items[0], action: 'device.explode' }], next: null })).to.equal(false);
  });

  it('refuses bad query fields with 400 invalid-query, and devices with 403', async () => {
    for (const query of [
      '?after=-1',
      '?after=abc',
      '?after=1.5',
      '?after=1e3',
      '?after=%201',
      '?after=1&after=2',
      '?limit=0',
      '?limit=1001',
      '?limit=ten',
      '?since=2026-01-01',
    ]) {
      const problem = expectProblem(await t.client.get(`/api/v1/audit${query}`), 400, 'invalid-query', query);
      expect(problem.detail, query).to.match(/after|limit|since/);
    }
    expectProblem(await t.client.get('/api/v1/audit', { auth: TEST_DEVICE_CREDENTIAL }), 403, 'operator-only');
  });
});

describe('HTTP: the audit log on disk', () => {
  it('keeps every record across a restart, and gives no seq twice', async () => {
    const first = await startTestServer({ storage: 'disk' });
    const api = new FleetApi(first);
    expect((await first.client.put('/devices/d1', '"d1","v1","a.bin"', 'text/csv')).status).to.equal(200);
    expect((await first.client.delete('/devices/d1')).status).to.equal(200);
    const before = await auditAfter(api);
    api.close();
    expect(before.map((record) => record.action)).to.deep.equal(['device-row.put', 'device-row.delete']);
    await first.server.stop();

    const second = await startTestServer({ dataDir: first.dataDir as string });
    try {
      const again = new FleetApi(second);
      expect(await auditAfter(again)).to.deep.equal(before);
      expect((await second.client.put('/devices/d2', '"d2","v1","a.bin"', 'text/csv')).status).to.equal(200);
      const after = await auditAfter(again, before.at(-1)?.seq);
      again.close();
      expect(after.map((record) => [record.seq, record.action, record.target])).to.deep.equal([
        [3, 'device-row.put', 'd2'],
      ]);
    } finally {
      await second.stop();
    }
  });
});
