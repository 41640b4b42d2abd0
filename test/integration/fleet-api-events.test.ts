import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { eventually } from '../support/eventually.js';
import type { DeviceDetailJson, DeviceJson, EventJson, EventStreamClient } from '../support/fleet-api-client.js';
import { expectProblem, FleetApi, ISO_UTC, openEventStream } from '../support/fleet-api-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

type EventPage = { items: EventJson[]; next: number | null };

/** `GET /api/v1/events` (paged) and `/api/v1/events/stream` (Server-Sent Events) over real HTTPS. */
describe('HTTP: fleet events', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  const streams: EventStreamClient[] = [];
  before(async () => {
    t = await startTestServer();
    api = new FleetApi(t);
  });
  after(async () => {
    for (const stream of streams) stream.close();
    api.close();
    await t.stop();
  });

  const page = (query: string) => api.getJson<EventPage>(`/api/v1/events${query}`);
  const open = async (query: string, headers: Record<string, string> = {}) => {
    const stream = await openEventStream(t, `/api/v1/events/stream${query}`, headers);
    streams.push(stream);
    return stream;
  };
  /** Every event in the log, by paging with `after`/`next`. */
  const everything = async (query = '', limit = 1000) => {
    const all: EventJson[] = [];
    let after = 0;
    for (;;) {
      const { items, next } = await page(`?after=${after}&limit=${limit}${query}`);
      all.push(...items);
      if (items.length === 0) return all;
      expect(next).to.equal(items.at(-1)?.seq);
      after = next as number;
    }
  };

  it('is empty at first, with next null', async () => {
    expect(await page('')).to.deep.equal({ items: [], next: null });
  });

  it('pages ascending by seq with after/next, filters by device and type, and refuses bad fields', async () => {
    for (let i = 0; i < 25; i += 1) await api.poll(`ev-${String(i).padStart(2, '0')}`, '1.0');
    await api.poll('ev-00', '1.1'); // version-changed
    await t.server.fleet.flush();
    const all = await everything('', 7);
    expect(all).to.have.length(26);
    const seqs = all.map((event) => event.seq);
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).to.equal(seqs.length);
    for (const event of all) {
      expect(event.at).to.match(ISO_UTC);
      expect(event.device).to.match(/^ev-\d\d$/);
    }
    expect(all.filter((event) => event.type === 'first-seen')).to.have.length(25);
    const changed = await page('?type=version-changed');
    expect(changed.items.map((event) => [event.device, event.from, event.to])).to.deep.equal([['ev-00', '1.0', '1.1']]);
    const one = await page('?device=ev-00');
    expect(one.items.map((event) => event.type)).to.deep.equal(['first-seen', 'version-changed']);
    expect(await page('?device=ev-00&type=offered')).to.deep.equal({ items: [], next: null });
    // Past the end: nothing, and next is the cursor given, so that polling again misses nothing.
    const last = seqs.at(-1) as number;
    expect(await page(`?after=${last}`)).to.deep.equal({ items: [], next: last });

    for (const query of [
      '?type=exploded',
      '?type=first-seen&type=offered',
      '?after=-1',
      '?after=1.5',
      '?after=abc',
      '?after=0x10',
      '?device=bad%20id',
      '?limit=0',
      '?limit=1001',
      '?colour=red',
    ]) {
      expectProblem(await api.get(`/api/v1/events${query}`), 400, 'invalid-query');
      expectProblem(
        await api.get(`/api/v1/events/stream${query.replace(/limit=\d+/, 'limit=5')}`),
        400,
        'invalid-query',
      );
    }
    const badHeader = await api.get('/api/v1/events/stream', { headers: { 'Last-Event-ID': 'abc' } });
    expectProblem(badHeader, 400, 'invalid-query');
    // It names what the client sent (it named `after`, a field the client never gave).
    expect(badHeader.text).to.include('Last-Event-ID must be');
  });

  it('streams events live as they happen, with their seq as id, and only those after connecting', async () => {
    const stream = await open('');
    expect(stream.status).to.equal(200);
    expect(stream.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).to.equal('no-store');
    await api.poll('live-1', '1.0');
    await eventually(() => stream.events.length === 1, 'first-seen of live-1 arrives');
    const [event] = stream.events;
    expect(event?.event).to.equal('first-seen');
    expect(event?.data).to.include({ device: 'live-1', type: 'first-seen', version: '1.0' });
    expect(event?.id).to.equal(String(event?.data.seq));
    await api.patch('live-1', { note: 'hello' });
    await eventually(() => stream.events.length === 2, 'device-changed arrives');
    expect(stream.events[1]?.data).to.include({ type: 'device-changed', note: 'hello', by: 'operator' });
  });

  it('resumes with Last-Event-ID: exactly the missed events, then live ones, none twice', async () => {
    const first = await open('');
    await api.poll('resume-1', '1.0');
    await eventually(() => first.events.length === 1, 'resume-1 is seen');
    const lastId = first.events[0]?.id as string;
    first.close();
    // Missed while disconnected.
    await api.poll('resume-2', '1.0');
    await api.poll('resume-3', '1.0');
    await api.patch('resume-1', { hold: true });
    await t.server.fleet.flush();
    const missed = (await page(`?after=${lastId}`)).items.map((event) => event.seq);
    expect(missed).to.have.length(3);

    const second = await open('', { 'Last-Event-ID': lastId });
    await eventually(() => second.events.length === 3, 'the missed events are replayed');
    await api.poll('resume-4', '1.0');
    await eventually(() => second.events.length === 4, 'a live event follows');
    await t.server.fleet.flush();
    const got = second.events.map((event) => Number(event.id));
    expect(got).to.deep.equal([...missed, (await page(`?after=${missed.at(-1)}`)).items[0]?.seq]);
    expect(new Set(got).size).to.equal(got.length);
    // ?after= works the same; Last-Event-ID wins over it.
    const viaQuery = await open(`?after=${lastId}`);
    await eventually(() => viaQuery.events.length === 4, 'after= replays too');
    const both = await open(`?after=0`, { 'Last-Event-ID': String(missed.at(-1)) });
    await eventually(() => both.events.length === 1, 'Last-Event-ID wins');
    expect(both.events[0]?.data.device).to.equal('resume-4');
  });

  it('reads on from the end with a cursor past it (a log restored from a backup)', async () => {
    await api.poll('past-1', '1.0');
    await t.server.fleet.flush();
    const end = (await page('?latest=1')).next as number;
    // Found by a new user: a Last-Event-ID past the end streamed nothing, ever after.
    const stream = await open('', { 'Last-Event-ID': String(end + 1000) });
    const paged = await page(`?after=${end + 1000}`);
    expect(paged).to.deep.equal({ items: [], next: end });
    await api.poll('past-2', '1.0');
    await eventually(() => stream.events.length === 1, 'the next event is streamed');
    expect(stream.events[0]?.data).to.include({ device: 'past-2', type: 'first-seen' });
    await t.server.fleet.flush();
    expect((await page(`?after=${paged.next}`)).items.map((event) => event.device)).to.deep.equal(['past-2']);
  });

  it('replays and streams only the device and type asked for', async () => {
    const stream = await open('?device=filter-1&type=device-changed&after=0');
    const typed = await open('?type=first-seen');
    await api.poll('filter-1', '1.0');
    await api.poll('filter-2', '1.0');
    await eventually(() => typed.events.length === 2, 'both first-seen events arrive');
    await api.patch('filter-2', { note: 'x' });
    await api.patch('filter-1', { note: 'y' });
    await eventually(() => stream.events.length === 1, "filter-1's change arrives");
    expect(typed.events.map((event) => event.data.device)).to.deep.equal(['filter-1', 'filter-2']);
    expect(stream.events[0]?.data).to.include({ device: 'filter-1', type: 'device-changed', note: 'y' });
    await api.patch('filter-1', { note: 'z' });
    await eventually(() => stream.events.length === 2, "filter-1's second change arrives");
    expect(typed.events).to.have.length(2);
  });

  it('replays a long backlog in order without losing live events that happen meanwhile', async () => {
    const ids = Array.from({ length: 1500 }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    await api.pollAll(ids, () => '1.0');
    await t.server.fleet.flush();
    const stream = await open('?type=first-seen&after=0');
    await api.poll('bulk-late', '1.0');
    await t.server.fleet.flush();
    const total = (await everything('&type=first-seen')).length;
    await eventually(() => stream.events.length === total, 'the backlog and the live event arrive', 20_000);
    const seqs = stream.events.map((event) => Number(event.id));
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).to.equal(seqs.length);
    expect(stream.events.at(-1)?.data.device).to.equal('bulk-late');
  });
});

describe('HTTP: fleet events stream when the server stops', () => {
  it('ends the stream cleanly and promptly', async () => {
    const t = await startTestServer();
    const stream = await openEventStream(t, '/api/v1/events/stream');
    expect(stream.status).to.equal(200);
    const started = Date.now();
    await t.stop();
    expect(Date.now() - started, 'stop waited for the stream').to.be.below(3000);
    expect(await stream.ended).to.equal('end');
  });
});

describe('HTTP: fleet operators changes survive a restart (disk storage)', () => {
  it('keeps tags, hold and note, and their device-changed events', async () => {
    let clock = Date.parse('2026-05-01T00:00:00Z');
    const first = await startTestServer({ storage: 'disk', now: () => clock });
    const api = new FleetApi(first);
    await api.poll('keep-1', '1.0');
    clock += 1000;
    expect((await api.patch('keep-1', { tags: ['b', 'a'], hold: true, note: 'kept' })).status).to.equal(200);
    api.close();
    await first.server.stop();
    const second = await startTestServer({ dataDir: first.dataDir as string, now: () => clock });
    try {
      const again = new FleetApi(second);
      const device = await again.getJson<DeviceDetailJson>('/api/v1/devices/keep-1');
      expect(device).to.deep.include({ tags: ['a', 'b'], hold: true, note: 'kept', polls: 1 });
      expect(device.events.map((event) => event.type)).to.deep.equal(['device-changed', 'first-seen']);
      expect(device.events[0]).to.include({ tags: 'a,b', hold: true, note: 'kept', by: 'operator' });
      expect((await again.getJson<{ items: DeviceJson[] }>('/api/v1/devices?tag=a')).items).to.have.length(1);
      again.close();
    } finally {
      await second.stop();
    }
  });
});

describe('HTTP: the fleet routes in the OpenAPI document', () => {
  let t: RunningTestServer;
  let document: { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
  before(async () => {
    t = await startTestServer();
    document = JSON.parse((await t.client.get('/api/v1/openapi.json')).text) as typeof document;
  });
  after(() => t.stop());

  /** Validates a value against a component schema of the document. */
  function validate(component: string, value: unknown): void {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
    const check = ajv.compile({ $ref: `openapi.json#/components/schemas/${component}` });
    expect(check(value), JSON.stringify(check.errors, null, 2)).to.equal(true);
  }

  it('describes every fleet route and method', () => {
    const operations = (path: string) => Object.keys(document.paths[path] ?? {}).sort();
    expect(operations('/api/v1/devices')).to.include('get');
    expect(operations('/api/v1/devices/{id}')).to.include.members(['get', 'patch', 'delete']);
    expect(operations('/api/v1/devices/tags')).to.include('post');
    expect(operations('/api/v1/fleet')).to.include('get');
    expect(operations('/api/v1/events')).to.include('get');
    expect(operations('/api/v1/events/stream')).to.include('get');
    const listing = JSON.stringify(document.paths['/api/v1/devices']);
    for (const name of [
      'tag',
      'version',
      'project',
      'chip',
      'state',
      'overdue',
      'unassigned',
      'seenAfter',
      'cursor',
      'limit',
    ])
      expect(listing).to.include(`"name":"${name}"`);
  });

  it('has schemas that the answers conform to: listing, device, summary, events', async () => {
    const api = new FleetApi(t);
    try {
      expect((await t.client.put('/devices/doc-1', '"doc-1","0.9","doc.bin"', 'text/csv')).status).to.equal(200);
      expect((await t.client.put('/files/doc.bin?validate=false', 'x', 'application/octet-stream')).status).to.equal(
        200,
      );
      await api.poll('doc-1', '0.9');
      await api.poll('doc-2', '1.0');
      await api.patch('doc-2', { tags: ['t'] });
      await t.server.fleet.flush();
      const listing = await api.getJson<{ items: DeviceJson[] }>('/api/v1/devices');
      expect(listing.items).to.have.length(2);
      validate('InventoryPage', listing);
      validate('InventoryDeviceDetail', await api.getJson('/api/v1/devices/doc-1'));
      validate('InventoryDevice', await api.getJson('/api/v1/devices/doc-2'));
      validate('FleetSummary', await api.getJson('/api/v1/fleet'));
      validate('EventPage', await api.getJson('/api/v1/events'));
      // And the schemas do refuse what does not conform.
      expect(() => validate('InventoryPage', { items: [{ id: 1 }], next: null })).to.throw();
    } finally {
      api.close();
    }
  });
});
