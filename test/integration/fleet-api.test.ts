import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import { eventually } from '../support/eventually.js';
import type { DeviceDetailJson, DeviceJson, EventJson } from '../support/fleet-api-client.js';
import { expectProblem, FleetApi, ISO_UTC, jsonOf } from '../support/fleet-api-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
type Page = { items: DeviceJson[]; next: string | null };

/**
 * The fleet inventory's operator API over real HTTPS (issue 16): devices appear by polling
 * `/devices/<id>?app_ver=`, operators list, filter, page, read, tag, hold, note and forget them.
 */
describe('HTTP: fleet inventory API, devices', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  let clock = START;
  before(async () => {
    t = await startTestServer({ now: () => clock });
    api = new FleetApi(t);
    // Images of two projects and chips; devices running 2.0 or 3.0 run a stored image.
    const lamp = buildEspImage({ version: '2.0', projectName: 'lamp', chip: 'esp32c3', secureVersion: 2 });
    const pump = buildEspImage({ version: '3.0', projectName: 'pump', chip: 'esp32s3' });
    expect((await t.client.put('/files/lamp-2.0.bin', lamp, 'application/octet-stream')).status).to.equal(200);
    expect((await t.client.put('/files/pump-3.0.bin', pump, 'application/octet-stream')).status).to.equal(200);
    // lamp-1 and lamp-2 have rows (lamp-1 is offered 2.0), pump-1 has a row with no update, stray-1 none.
    for (const row of [
      '"lamp-1","1.0","lamp-2.0.bin"',
      '"lamp-2","1.5","lamp-2.0.bin"',
      '"pump-1","2.9","pump-3.0.bin"',
    ])
      expect((await t.client.put(`/devices/${row.split('"')[1]}`, row, 'text/csv')).status).to.equal(200);
    expect((await api.poll('lamp-1', '1.0')).status).to.equal(200); // offered
    expect((await api.poll('lamp-2', '2.0')).status).to.equal(204);
    expect((await api.poll('pump-1', '3.0')).status).to.equal(204);
    expect((await api.poll('stray-1', '0.1')).status).to.equal(404);
  });
  after(async () => {
    api.close();
    await t.stop();
  });

  const list = (query: string) => api.getJson<Page>(`/api/v1/devices${query}`);
  const ids = async (query: string) => (await list(query)).items.map((device) => device.id);

  it('lists every device that polled, ascending by id, each with its fields as the contract names them', async () => {
    const page = await list('');
    expect(page.next).to.equal(null);
    expect(page.items.map((device) => device.id)).to.deep.equal(['lamp-1', 'lamp-2', 'pump-1', 'stray-1']);
    const [lamp1, lamp2, pump1, stray] = page.items as [DeviceJson, DeviceJson, DeviceJson, DeviceJson];
    expect(lamp2).to.deep.include({
      firstSeen: new Date(START).toISOString(),
      lastSeen: new Date(START).toISOString(),
      runningVersion: '2.0',
      image: { project: 'lamp', chip: 'esp32c3', secureVersion: 2 },
      auth: 'shared',
      polls: 1,
      pollIntervalSeconds: null,
      overdue: false,
      unassigned: false,
      tags: [],
      hold: false,
      note: '',
      attempt: null,
    });
    expect(lamp2.address).to.match(/127\.0\.0\.1$/);
    expect(pump1.image).to.deep.equal({ project: 'pump', chip: 'esp32s3', secureVersion: 0 });
    expect(lamp1.image).to.equal(null); // 1.0 is no stored image's version
    expect(lamp1.attempt).to.deep.include({
      state: 'offered',
      file: 'lamp-2.0.bin',
      version: '2.0',
      attribution: null,
    });
    expect(lamp1.attempt?.offeredAt).to.match(ISO_UTC);
    expect(stray).to.deep.include({ unassigned: true, runningVersion: '0.1', image: null });
  });

  it('filters by tag, version, project, chip, state, unassigned and seenAfter, each alone and together', async () => {
    expect((await api.patch('lamp-2', { tags: ['north'] })).status).to.equal(200);
    expect((await api.patch('pump-1', { tags: ['north', 'wet'] })).status).to.equal(200);
    expect(await ids('?tag=north')).to.deep.equal(['lamp-2', 'pump-1']);
    expect(await ids('?tag=wet')).to.deep.equal(['pump-1']);
    expect(await ids('?tag=nowhere')).to.deep.equal([]);
    expect(await ids('?version=2.0')).to.deep.equal(['lamp-2']);
    expect(await ids('?project=lamp')).to.deep.equal(['lamp-2']);
    expect(await ids('?project=pump&chip=esp32s3')).to.deep.equal(['pump-1']);
    expect(await ids('?chip=esp32c3')).to.deep.equal(['lamp-2']);
    expect(await ids('?chip=esp32')).to.deep.equal([]);
    expect(await ids('?state=offered')).to.deep.equal(['lamp-1']);
    expect(await ids('?state=succeeded')).to.deep.equal([]);
    expect(await ids('?unassigned=true')).to.deep.equal(['stray-1']);
    expect(await ids('?unassigned=false')).to.deep.equal(['lamp-1', 'lamp-2', 'pump-1']);
    expect(await ids('?tag=north&version=3.0')).to.deep.equal(['pump-1']);
    // seenAfter is inclusive, in any ISO 8601 form with a zone.
    expect(await ids(`?seenAfter=${new Date(START).toISOString()}`)).to.have.length(4);
    expect(await ids('?seenAfter=2026-03-01T13:00:00%2B01:00')).to.have.length(4);
    expect(await ids(`?seenAfter=${new Date(START + 1).toISOString()}`)).to.deep.equal([]);
    // An empty value is no filter.
    expect(await ids('?tag=&version=')).to.have.length(4);
  });

  it('works out overdue with the fleet clock, not the wall clock', async () => {
    expect(await ids('?overdue=true')).to.deep.equal([]);
    clock = START + 16 * MINUTE;
    try {
      expect((await api.poll('lamp-2', '2.0')).status).to.equal(204);
      expect(await ids('?overdue=true')).to.deep.equal(['lamp-1', 'pump-1', 'stray-1']);
      expect(await ids('?overdue=false')).to.deep.equal(['lamp-2']);
      expect(await ids(`?seenAfter=${new Date(START + MINUTE).toISOString()}`)).to.deep.equal(['lamp-2']);
      const lamp2 = await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-2');
      expect(lamp2).to.include({ overdue: false, polls: 2, pollIntervalSeconds: 960 });
      expect(lamp2.lastSeen).to.equal(new Date(clock).toISOString());
      expect((await api.getJson<DeviceDetailJson>('/api/v1/devices/pump-1')).overdue).to.equal(true);
    } finally {
      // Everyone polls again, so that later tests start from a fleet seen just now.
      for (const [id, version] of [
        ['lamp-1', '1.0'],
        ['pump-1', '3.0'],
        ['stray-1', '0.1'],
      ] as const)
        await api.poll(id, version);
    }
    expect(await ids('?overdue=true')).to.deep.equal([]);
  });

  it('refuses unknown, repeated and invalid query fields with 400 invalid-query', async () => {
    for (const query of [
      '?colour=red',
      '?tag=a&tag=b',
      '?limit=1&limit=2',
      '?state=exploded',
      '?overdue=maybe',
      '?unassigned=2',
      '?seenAfter=yesterday',
      '?seenAfter=2026-13-45T00:00:00Z',
      '?limit=0',
      '?limit=1001',
      '?limit=1.5',
      '?limit=ten',
      // Number() takes these; the docs say a whole number (found by a new user).
      '?limit=0x10',
      '?limit=1e3',
      '?limit=%201',
      '?seenAfter=2026-02-30T00:00:00Z', // Date.parse makes it March 2
      '?tag=with%20space',
      `?version=${'9'.repeat(40)}`,
      '?cursor=!!!',
      '?cursor=AAAA', // decodes to bytes that are no device id
      `?cursor=${'A'.repeat(300)}`,
    ]) {
      expectProblem(await api.get(`/api/v1/devices${query}`), 400, 'invalid-query');
    }
    expect((await api.get('/api/v1/devices?colour=red')).text).to.include('colour');
  });

  it('is for operators only: a device credential gets 403 on every fleet route', async () => {
    const auth = TEST_DEVICE_CREDENTIAL;
    for (const [method, path] of [
      ['GET', '/api/v1/devices'],
      ['GET', '/api/v1/devices/lamp-1'],
      ['PATCH', '/api/v1/devices/lamp-1'],
      ['DELETE', '/api/v1/devices/lamp-1'],
      ['POST', '/api/v1/devices/tags'],
      ['GET', '/api/v1/fleet'],
      ['GET', '/api/v1/events'],
      ['GET', '/api/v1/events/stream'],
    ] as const) {
      const res = await api.send(method, path, { tags: ['x'] }, { auth });
      expectProblem(res, 403, 'operator-only');
      expectProblem(await api.send(method, path, { tags: ['x'] }, { auth: null }), 403, 'unauthenticated');
    }
    expect((await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-1')).tags).to.deep.equal([]);
  });

  describe('one device', () => {
    it('shows every field with its type, the device row, and attempts and events newest first', async () => {
      // lamp-1 downloads 2.0, boots it and polls with it twice: offered -> ... -> succeeded.
      const image = await t.client.get('/files/lamp-2.0.bin');
      expect(image.status).to.equal(200);
      await eventually(
        async () => (await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-1')).attempt?.state === 'downloaded',
        'the download is recorded',
      );
      clock += MINUTE;
      await api.poll('lamp-1', '2.0');
      clock += MINUTE;
      await api.poll('lamp-1', '2.0');
      clock += MINUTE;
      await api.poll('lamp-1', '2.0');
      await t.server.fleet.flush();
      const device = await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-1');
      expect(Object.keys(device)).to.include.members([
        'id',
        'firstSeen',
        'lastSeen',
        'runningVersion',
        'image',
        'address',
        'auth',
        'polls',
        'pollIntervalSeconds',
        'overdue',
        'tags',
        'hold',
        'note',
        'assignment',
        'attempt',
        'attempts',
        'events',
      ]);
      expect(device.firstSeen).to.match(ISO_UTC);
      expect(device.lastSeen).to.match(ISO_UTC);
      expect(device.address).to.be.a('string');
      expect(device.polls).to.be.a('number');
      expect(device.pollIntervalSeconds).to.be.a('number');
      expect(device).to.deep.include({
        id: 'lamp-1',
        runningVersion: '2.0',
        image: { project: 'lamp', chip: 'esp32c3', secureVersion: 2 },
        assignment: { appVersion: '1.0', file: 'lamp-2.0.bin' },
      });
      expect(device.attempt).to.deep.include({ state: 'succeeded', file: 'lamp-2.0.bin', version: '2.0' });
      expect(device.attempt?.attribution).to.equal('inferred');
      for (const key of ['state', 'file', 'version', 'offeredAt', 'updatedAt', 'attribution'])
        expect(device.attempt).to.have.property(key);
      // The poll with 1.0 after the offer (the overdue test) failed the first attempt; a new offer followed.
      expect(device.attempts.map((attempt) => attempt.state)).to.deep.equal(['succeeded', 'download-failed']);
      expect(device.attempts[0]?.id).to.equal(device.attempt?.id);
      // A sighting's events (first-seen, version-changed) are logged with the next batch, after the
      // attempt transitions of the same check, so only the attempt's events have a set order here.
      const types = device.events.map((event) => event.type);
      expect([...types].sort()).to.deep.equal(
        [
          'download-failed',
          'downloaded',
          'downloading',
          'first-seen',
          'offered',
          'offered',
          'provisional',
          'succeeded',
          'version-changed',
        ].sort(),
      );
      expect(types.filter((type) => type !== 'first-seen' && type !== 'version-changed')).to.deep.equal([
        'succeeded',
        'provisional',
        'downloaded',
        'downloading',
        'offered',
        'download-failed',
        'offered',
      ]);
      // Newest first by time (a timeline), ties in the log's order.
      const times = device.events.map((event) => Date.parse(event.at));
      expect(times).to.deep.equal([...times].sort((a, b) => b - a));
      for (const event of device.events) {
        expect(event.at).to.match(ISO_UTC);
        expect(event.device).to.equal('lamp-1');
      }
      expect(device.events.find((event) => event.type === 'version-changed')).to.include({ from: '1.0', to: '2.0' });

      // A row with no offer, and no row at all.
      expect((await api.getJson<DeviceDetailJson>('/api/v1/devices/pump-1')).assignment).to.deep.equal({
        appVersion: '2.9',
        file: 'pump-3.0.bin',
      });
      const stray = await api.getJson<DeviceDetailJson>('/api/v1/devices/stray-1');
      expect(stray).to.deep.include({ assignment: null, attempt: null, attempts: [], unassigned: true });
    });

    it('keeps the newest 10 attempts, newest first', async () => {
      const rows = Array.from({ length: 12 }, (_, i) => `"multi-1","1.0","multi-${i}.bin"`);
      for (let i = 0; i < rows.length; i += 1) {
        expect(
          (
            await t.client.put(
              `/files/multi-${i}.bin?validate=false`,
              Buffer.from(`file ${i}`),
              'application/octet-stream',
            )
          ).status,
        ).to.equal(200);
        expect((await t.client.put('/devices/multi-1', rows[i] as string, 'text/csv')).status).to.equal(200);
        clock += 1000;
        expect((await api.poll('multi-1', '1.0')).status).to.equal(200);
      }
      const device = await api.getJson<DeviceDetailJson>('/api/v1/devices/multi-1');
      expect(device.attempts.map((attempt) => attempt.file)).to.deep.equal(
        Array.from({ length: 10 }, (_, i) => `multi-${11 - i}.bin`),
      );
      expect(device.attempt?.file).to.equal('multi-11.bin');
    });

    it('is 404 device-not-found for a device never seen without a row, the row with nulls for one with a row, and 400 for a bad id', async () => {
      const nobody = expectProblem(await api.get('/api/v1/devices/nobody'), 404, 'device-not-found');
      expect(nobody.detail).to.equal('device nobody has never checked and has no device row');
      expect((await t.client.put('/devices/quiet-1', '"quiet-1","1.0","lamp-2.0.bin"', 'text/csv')).status).to.equal(
        200,
      );
      const quiet = await api.getJson<Record<string, unknown>>('/api/v1/devices/quiet-1');
      expect(quiet).to.deep.equal({
        id: 'quiet-1',
        firstSeen: null,
        lastSeen: null,
        runningVersion: null,
        image: null,
        address: null,
        auth: null,
        polls: 0,
        pollIntervalSeconds: null,
        overdue: false,
        unassigned: false,
        lastStatus: null,
        tags: [],
        hold: false,
        note: '',
        attempt: null,
        assignment: { appVersion: '1.0', file: 'lamp-2.0.bin' },
        attempts: [],
        events: [],
      });
      expectProblem(await api.get('/api/v1/devices/bad%20id'), 400, 'invalid-device-id');
    });
  });

  describe('PATCH', () => {
    it('replaces tags (sorted, unique), hold and note, keeps fields left out, and answers the device', async () => {
      const res = await api.patch('stray-1', { tags: ['b', 'a', 'b', 'c'], hold: true, note: 'on the roof' });
      expect(res.status, res.text).to.equal(200);
      expect(jsonOf<DeviceJson>(res)).to.deep.include({ id: 'stray-1', tags: ['a', 'b', 'c'], hold: true });
      const kept = jsonOf<DeviceJson>(await api.patch('stray-1', { note: 'in the cellar' }));
      expect(kept).to.deep.include({ tags: ['a', 'b', 'c'], hold: true, note: 'in the cellar' });
      const cleared = jsonOf<DeviceJson>(await api.patch('stray-1', { tags: [], hold: false, note: '' }));
      expect(cleared).to.deep.include({ tags: [], hold: false, note: '' });
      await api.patch('stray-1', { tags: ['roof'] });
      expect(await ids('?tag=roof')).to.deep.equal(['stray-1']);
    });

    it('records each change as a device-changed event naming the operator', async () => {
      await api.patch('pump-1', { hold: true, note: 'leaking' });
      const { items } = await api.getJson<{ items: EventJson[] }>('/api/v1/events?device=pump-1&type=device-changed');
      expect(items.at(-1)).to.include({ device: 'pump-1', type: 'device-changed', by: 'operator', hold: true });
      expect(items.at(-1)).to.include({ note: 'leaking' });
      expect(items.at(-1)).to.not.have.property('tags');
    });

    it('refuses unknown fields and wrong types with 400 invalid-request, changing nothing', async () => {
      const before = await api.getJson<DeviceJson>('/api/v1/devices/pump-1');
      for (const body of [
        { colour: 'red' },
        { tags: 'a' },
        { tags: [1] },
        { tags: ['has space'] },
        { tags: [''] },
        { tags: ['x'.repeat(65)] },
        { tags: Array.from({ length: 65 }, (_, i) => `t${i}`) },
        { hold: 'yes' },
        { hold: 1 },
        { note: 5 },
        { note: 'x'.repeat(2001) },
        // Half a surrogate pair (JSON "\ud800") is no text: it was stored as U+FFFD, not as sent.
        { note: 'a\ud800b' },
        { note: '\udc00' },
        { tags: ['ok'], colour: 'red' },
        [],
        'text',
        null,
      ]) {
        expectProblem(await api.patch('pump-1', body), 400, 'invalid-request', JSON.stringify(body));
      }
      expectProblem(await api.patch('pump-1', '{"tags": ['), 400, 'invalid-request');
      expectProblem(await api.patch('pump-1', ''), 400, 'invalid-request');
      // An empty change is no change, and no event.
      const events = async () => (await api.getJson<{ items: EventJson[] }>('/api/v1/events?device=pump-1')).items;
      const logged = (await events()).length;
      expect(jsonOf<DeviceJson>(await api.patch('pump-1', {}))).to.deep.include({ tags: before.tags });
      expect(await events()).to.have.length(logged);
      const after = await api.getJson<DeviceJson>('/api/v1/devices/pump-1');
      expect(after).to.deep.include({ tags: before.tags, hold: before.hold, note: before.note });
    });

    it('refuses a body that is not JSON with 415 unsupported-media-type, and a huge one with 413', async () => {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
        expectProblem(await api.patch('pump-1', '{"hold":false}', { contentType }), 415, 'unsupported-media-type');
      const bare = await t.client.send('/api/v1/devices/pump-1', { method: 'PATCH', body: '{"hold":false}' });
      expectProblem(bare, 415, 'unsupported-media-type');
      expect(
        (await api.patch('pump-1', '{"hold":true}', { contentType: 'application/json; charset=utf-8' })).status,
      ).to.equal(200);
      expectProblem(await api.patch('pump-1', { note: 'x'.repeat(3 * 1024 * 1024) }), 413, 'payload-too-large');
      expect((await api.getJson<DeviceJson>('/api/v1/devices/pump-1')).note).to.equal('leaking');
    });

    it('is 404 for a device never seen, and 400 for a bad id', async () => {
      expectProblem(await api.patch('nobody', { hold: true }), 404, 'device-not-found');
      expectProblem(await api.patch('bad%20id', { hold: true }), 400, 'invalid-device-id');
      expectProblem(await api.get('/api/v1/devices/nobody'), 404, 'device-not-found');
    });
  });

  describe('bulk tags', () => {
    it('adds and removes tags on the devices listed, skipping unknown ones', async () => {
      const res = await api.tag({ add: ['batch-a', 'zz'], remove: ['north'], devices: ['lamp-2', 'pump-1', 'nobody'] });
      expect(res.status, res.text).to.equal(200);
      expect(jsonOf<{ matched: number; changed: number }>(res)).to.deep.equal({
        matched: 2,
        changed: 2,
        unknown: ['nobody'],
      });
      expect((await api.getJson<DeviceJson>('/api/v1/devices/lamp-2')).tags).to.deep.equal(['batch-a', 'zz']);
      expect((await api.getJson<DeviceJson>('/api/v1/devices/pump-1')).tags).to.deep.equal(['batch-a', 'wet', 'zz']);
      const again = jsonOf<{ changed: number }>(await api.tag({ add: ['zz'], devices: ['lamp-2'] }));
      expect(again.changed).to.equal(0);
    });

    it('tags every device a filter picks, with the listing query fields as strings or JSON values', async () => {
      const res = await api.tag({ add: ['lamp-fleet'], filter: { project: 'lamp' } });
      expect(jsonOf<{ matched: number; changed: number }>(res)).to.deep.equal({ matched: 2, changed: 2, unknown: [] });
      expect(await ids('?tag=lamp-fleet')).to.deep.equal(['lamp-1', 'lamp-2']);
      expect((await api.tag({ add: ['loose'], filter: { unassigned: 'true' } })).status).to.equal(200);
      expect((await api.tag({ add: ['loose2'], filter: { unassigned: true } })).status).to.equal(200);
      expect(await ids('?tag=loose')).to.deep.equal(['stray-1']);
      expect(await ids('?tag=loose2')).to.deep.equal(['stray-1']);
      expect((await api.tag({ remove: ['loose', 'loose2'], filter: {} })).status).to.equal(200);
      expect(await ids('?tag=loose')).to.deep.equal([]);
    });

    it('refuses both, neither, unknown fields and bad filters with 400 invalid-request', async () => {
      for (const body of [
        { add: ['x'] },
        { add: ['x'], devices: ['lamp-1'], filter: { project: 'lamp' } },
        { add: ['x'], devices: 'lamp-1' },
        { add: ['x'], devices: ['bad id'] },
        { add: ['x has space'], devices: ['lamp-1'] },
        { add: ['x'], filter: { colour: 'red' } },
        { add: ['x'], filter: { state: 'exploded' } },
        { add: ['x'], filter: { overdue: 'maybe' } },
        { add: 'x', devices: ['lamp-1'] },
        { add: ['x'], devices: ['lamp-1'], extra: 1 },
      ]) {
        expectProblem(await api.tag(body), 400, 'invalid-request');
      }
      expect(expectProblem(await api.tag('{'), 400, 'invalid-request').detail).to.match(/^the body is not valid JSON/);
      // A bare value is JSON, but not a body: said so, not called invalid JSON.
      for (const bare of ['null', '1', '"x"'])
        expect(expectProblem(await api.tag(bare), 400, 'invalid-request', bare).detail).to.equal(
          'the body must be a JSON object, not a bare value',
        );
      expect(await ids('?tag=x')).to.deep.equal([]);
    });

    it('refuses, before changing any device, tags that would take one device past 64', async () => {
      const many = Array.from({ length: 40 }, (_, i) => `m${i}`);
      expect((await api.tag({ add: many, devices: ['lamp-1'] })).status).to.equal(200);
      const more = Array.from({ length: 40 }, (_, i) => `n${i}`);
      const refused = expectProblem(
        await api.tag({ add: more, devices: ['pump-1', 'lamp-1'] }),
        400,
        'invalid-request',
      );
      expect(refused.detail).to.match(/^device lamp-1 would carry \d+ tags; at most 64$/);
      expect(await ids('?tag=n0')).to.deep.equal([]);
      expect((await api.tag({ remove: many, devices: ['lamp-1'] })).status).to.equal(200);
    });
  });

  describe('DELETE', () => {
    it('forgets the entry (then only the row is shown) but not the row, and a later poll brings it back as first seen', async () => {
      await api.patch('lamp-2', { tags: ['keep-me'], note: 'n' });
      const res = await t.client.delete('/api/v1/devices/lamp-2');
      expect(res.status, res.text).to.equal(200);
      expect(jsonOf<{ forgotten: string }>(res)).to.deep.equal({ forgotten: 'lamp-2' });
      const forgotten = await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-2');
      expect([forgotten.lastSeen, forgotten.polls, forgotten.tags, forgotten.note]).to.deep.equal([null, 0, [], '']);
      expect(forgotten.assignment).to.deep.equal({ appVersion: '1.5', file: 'lamp-2.0.bin' });
      expectProblem(await t.client.delete('/api/v1/devices/lamp-2'), 404, 'device-not-found');
      expectProblem(await t.client.delete('/api/v1/devices/nobody'), 404, 'device-not-found');
      expect(await ids('')).to.not.include('lamp-2');
      expect((await api.get('/devices')).text).to.include('"lamp-2","1.5","lamp-2.0.bin"');
      const { items: gone } = await api.getJson<{ items: EventJson[] }>('/api/v1/events?device=lamp-2');
      expect(gone).to.deep.equal([]);

      clock += MINUTE;
      expect((await api.poll('lamp-2', '2.0')).status).to.equal(204);
      const back = await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-2');
      expect(back).to.deep.include({ polls: 1, tags: [], note: '', firstSeen: new Date(clock).toISOString() });
      await eventually(
        async () =>
          (await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-2')).events.some(
            (event) => event.type === 'first-seen',
          ),
        'lamp-2 is first seen again',
      );
    });
  });

  describe('the fleet summary and metrics', () => {
    it('adds up: devices, seen windows, overdue, unassigned, versions and attempts by state', async () => {
      const devices = (await list('')).items;
      const summary = await api.getJson<{
        devices: number;
        seen: Record<string, number>;
        overdue: number;
        unassigned: number;
        versions: Array<{ project: string | null; version: string; chip: string | null; count: number }>;
        attempts: Record<string, number>;
      }>('/api/v1/fleet');
      expect(summary.devices).to.equal(devices.length);
      expect(summary.unassigned).to.equal(devices.filter((device) => device.unassigned).length);
      expect(summary.overdue).to.equal(devices.filter((device) => device.overdue).length);
      expect(summary.versions.reduce((sum, group) => sum + group.count, 0)).to.equal(devices.length);
      expect(summary.versions).to.deep.include({ project: 'pump', version: '3.0', chip: 'esp32s3', count: 1 });
      expect(summary.versions).to.deep.include({ project: null, version: '0.1', chip: null, count: 1 });
      const withAttempt = devices.filter((device) => device.attempt !== null);
      expect(Object.values(summary.attempts).reduce((a, b) => a + b, 0)).to.equal(withAttempt.length);
      expect(summary.attempts.succeeded).to.equal(1);
      expect(summary.attempts).to.have.all.keys(
        'offered',
        'downloading',
        'downloaded',
        'provisional',
        'succeeded',
        'rolled-back',
        'download-failed',
        'refused',
        'silent',
        'withdrawn',
      );

      // Time moves on by an hour: nobody was seen in the last 15 minutes, everyone is overdue.
      clock += 60 * MINUTE;
      const later = await api.getJson<typeof summary>('/api/v1/fleet');
      expect(later.seen).to.deep.equal({ '15m': 0, '24h': devices.length, '7d': devices.length });
      expect(later.overdue).to.equal(devices.length);
      const metrics = (await api.get('/metrics')).text;
      expect(metrics).to.match(/^fuota_fleet_devices_seen\{window="15m"\} 0$/m);
      expect(metrics).to.match(new RegExp(`^fuota_fleet_devices_overdue ${devices.length}$`, 'm'));
      expect(metrics).to.match(/^fuota_fleet_devices\{project="pump",version="3.0",chip="esp32s3"\} 1$/m);
      expect(metrics).to.match(/^fuota_fleet_devices\{project="",version="0.1",chip=""\} 1$/m);
      expect(metrics).to.match(/^fuota_fleet_devices_unassigned 1$/m);
      expect(metrics).to.match(/^fuota_fleet_attempts\{state="succeeded"\} 1$/m);

      // A poll shows at once, in the summary and in the very next scrape.
      await api.poll('new-1', '3.0');
      expect((await api.getJson<typeof summary>('/api/v1/fleet')).seen['15m']).to.equal(1);
      const next = (await api.get('/metrics')).text;
      expect(next).to.match(/^fuota_fleet_devices_seen\{window="15m"\} 1$/m);
      expect(next).to.match(/^fuota_fleet_devices\{project="pump",version="3.0",chip="esp32s3"\} 2$/m);
      expect(next).to.match(/^fuota_fleet_devices_unassigned 2$/m);
    });
  });
});

describe('HTTP: fleet inventory API, paging', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  const COUNT = 2500;
  const names = Array.from({ length: COUNT }, (_, i) => `dev-${String(i).padStart(5, '0')}`);
  before(async () => {
    t = await startTestServer();
    api = new FleetApi(t);
    // Shuffled, so that the order the listing gives is its own.
    const shuffled = [...names].sort((a, b) =>
      a.split('').reverse().join('') < b.split('').reverse().join('') ? -1 : 1,
    );
    await api.pollAll(shuffled, (id) => (Number(id.slice(4)) % 3 === 0 ? '3.0' : '1.0'));
  });
  after(async () => {
    api.close();
    await t.stop();
  });

  it('gives every device exactly once, in ascending id order, in pages of at most 1,000 by default', async () => {
    const first = await api.getJson<Page>('/api/v1/devices');
    expect(first.items).to.have.length(1000);
    expect(first.next).to.be.a('string');
    const { ids, pages } = await api.listAll('', 1000);
    expect(pages).to.equal(3);
    expect(ids).to.deep.equal(names);
  });

  it('ends with next null exactly on the last page', async () => {
    // 834 devices run 3.0: a page of exactly that many is the last one, one fewer is not.
    const exact = await api.getJson<Page>('/api/v1/devices?version=3.0&limit=834');
    expect(exact.items).to.have.length(834);
    expect(exact.next).to.equal(null);
    const short = await api.getJson<Page>('/api/v1/devices?version=3.0&limit=833');
    expect(short.next).to.be.a('string');
    const rest = await api.getJson<Page>(`/api/v1/devices?version=3.0&limit=833&cursor=${short.next}`);
    expect(rest.items.map((device) => device.id)).to.deep.equal([names[2499]]);
    expect(rest.next).to.equal(null);
  });

  it('pages with a small limit and a filter, and a cursor stays valid when devices are added or forgotten', async () => {
    const { ids, pages } = await api.listAll('version=3.0', 97);
    const expected = names.filter((id) => Number(id.slice(4)) % 3 === 0);
    expect(ids).to.deep.equal(expected);
    expect(pages).to.equal(Math.ceil(expected.length / 97));

    const page = await api.getJson<Page>('/api/v1/devices?limit=10');
    expect(page.items.map((device) => device.id)).to.deep.equal(names.slice(0, 10));
    // The last device of the page goes, and one comes before the cursor: the next page is unchanged.
    expect((await t.client.delete(`/api/v1/devices/${names[9]}`)).status).to.equal(200);
    await api.poll('dev-00008a', '1.0');
    const next = await api.getJson<Page>(`/api/v1/devices?limit=10&cursor=${page.next}`);
    expect(next.items.map((device) => device.id)).to.deep.equal(names.slice(10, 20));
  });
});
