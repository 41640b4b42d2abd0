import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { DeltaPatchInfo } from '../../src/app/delta/delta-offers.js';
import { EDO1_HS8_7 } from '../../src/domain/delta/delta-format.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { DeviceDetailJson } from '../support/fleet-api-client.js';
import { expectProblem, FleetApi, jsonOf } from '../support/fleet-api-client.js';
import { InMemoryDeltaOffers } from '../support/in-memory-delta-offers.js';
import { basicHeader, openRawTls, readResponse } from '../support/raw-tls.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';
import { makeDeltaPatch } from '../../src/domain/delta/delta-patch.js';

const digestOf = (image: Buffer) => image.subarray(image.length - 32);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const build = (version: string, seed = 3) =>
  buildEspImage({ version, projectName: 'lamp', seed, segmentLengths: [40_000, 4_096] });

/**
 * The device side of delta updates over real HTTPS (issue 21): `delta=&base=` on the check, the
 * 200 naming a patch and its headers, patch downloads with everything a file download has, the
 * answer without `delta=` exactly as before, rollout offers of patches, and what the attempts record.
 */
describe('HTTP: delta updates, the device side', () => {
  let t: RunningTestServer;
  let plain: RunningTestServer;
  let api: FleetApi;
  let ca: string;
  const offers = new InMemoryDeltaOffers();
  const base = build('1.0.0');
  const target = build('1.1.0');
  const baseHex = digestOf(base).toString('hex');
  const patchBytes = Buffer.from(makeDeltaPatch(base, target, digestOf(base)));
  let patch: DeltaPatchInfo;
  const patchPath = () => `/files/.delta/${patch.id}`;

  const setUp = async (server: RunningTestServer) => {
    for (const [path, image] of [
      ['lamp-1.0.0.bin', base],
      ['lamp-1.1.0.bin', target],
    ] as const) {
      const res = await server.client.put(`/files/${path}`, image, 'application/octet-stream');
      expect(res.status, res.text).to.equal(200);
    }
    for (const id of ['d1', 'd2', 'd3', 'd4', 'd5']) {
      const res = await server.client.put(`/devices/${id}`, `"${id}","1.0.0","lamp-1.1.0.bin"`, 'text/csv');
      expect(res.status, res.text).to.equal(200);
    }
  };

  before(async () => {
    t = await startTestServer({ deltaOffers: offers });
    plain = await startTestServer();
    api = new FleetApi(t);
    ca = (await testCertificate()).cert;
    await setUp(t);
    await setUp(plain);
    patch = offers.add({ base, baseImageSha256: baseHex, target, patch: patchBytes, format: EDO1_HS8_7 });
  });
  after(async () => {
    api.close();
    await t.stop();
    await plain.stop();
  });

  const check = (id: string, query: string) => t.client.get(`/devices/${id}?${query}`);
  const deltaQuery = (base = baseHex) => `app_ver=1.0.0&delta=edo1-hs8-7&base=${base}`;

  describe('the check', () => {
    it('refuses a malformed base, a delta without base, and either given twice: 400 invalid-query', async () => {
      for (const query of [
        'app_ver=1.0.0&delta=edo1-hs8-7',
        'app_ver=1.0.0&delta=edo1-hs8-7&base=',
        `app_ver=1.0.0&delta=edo1-hs8-7&base=${baseHex.slice(1)}`,
        `app_ver=1.0.0&delta=edo1-hs8-7&base=${baseHex}00`,
        `app_ver=1.0.0&delta=edo1-hs8-7&base=${'g'.repeat(64)}`,
        `app_ver=1.0.0&delta=edo1-hs8-7&base=${baseHex}&base=${baseHex}`,
        `app_ver=1.0.0&delta=edo1-hs8-7&delta=edo1-hs8-7&base=${baseHex}`,
        `app_ver=1.0.0&delta=other-format`, // even a format this server lacks needs a base
      ]) {
        expectProblem(await check('d5', query), 400, 'invalid-query', query);
      }
      // The app_ver rules come first, as before.
      expectProblem(await check('d5', `delta=edo1-hs8-7&base=${baseHex}`), 400, 'invalid-app-version');
    });

    it("names the patch, with X-Delta-Format, X-Delta-Base-SHA256 and the full image's digest and size", async () => {
      const res = await check('d1', deltaQuery());
      expect(res.status).to.equal(200);
      expect(res.text).to.equal(`.delta/${patch.id}`);
      expect(res.headers).to.include({
        'x-delta-format': 'edo1-hs8-7',
        'x-delta-base-sha256': baseHex,
        'x-firmware-sha256': sha256(target),
        'x-firmware-size': String(target.length),
        'x-firmware-version': '1.1.0',
        'content-type': 'text/csv',
        'content-length': String(res.text.length),
      });
      // Upper-case hex is the same digest.
      expect((await check('d1', deltaQuery(baseHex.toUpperCase()))).text).to.equal(`.delta/${patch.id}`);
      expect(offers.asked.at(-1)).to.deep.equal({
        target: 'lamp-1.1.0.bin',
        format: EDO1_HS8_7,
        baseImageSha256: baseHex,
      });
    });

    it('gives the full image when no patch is ready from that base, or for a format this server lacks', async () => {
      for (const query of [deltaQuery('ab'.repeat(32)), `app_ver=1.0.0&delta=bsdiff-lzma&base=${baseHex}`]) {
        const res = await check('d2', query);
        expect(res.status, query).to.equal(200);
        expect(res.text).to.equal('lamp-1.1.0.bin');
        expect(res.headers['x-delta-format']).to.equal(undefined);
        expect(res.headers['x-firmware-sha256']).to.equal(sha256(target));
      }
      // Nothing to offer stays nothing, patches asked or not.
      expect((await check('d2', `app_ver=1.1.0&delta=edo1-hs8-7&base=${baseHex}`)).status).to.equal(204);
    });

    it('answers a check without delta= byte for byte as a server without patches does', async () => {
      const raw = async (server: RunningTestServer, query: string) => {
        const socket = await openRawTls(server.server.address.port, ca);
        socket.write(
          `GET /devices/d3?${query} HTTP/1.1\r\nHost: localhost\r\n${basicHeader(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password)}\r\nConnection: close\r\n\r\n`,
        );
        return (await readResponse(socket))
          .replace(/^Date: .*$/im, 'Date: -')
          .replace(/^X-Request-Id: .*$/im, 'X-Request-Id: -');
      };
      for (const query of ['app_ver=1.0.0', 'app_ver=1.1.0', `app_ver=1.0.0&base=${baseHex}`, 'app_ver=9']) {
        const withPatches = await raw(t, query);
        expect(withPatches, query).to.equal(await raw(plain, query));
      }
      const today = await raw(t, 'app_ver=1.0.0');
      expect(today).to.match(/\r\n\r\nlamp-1\.1\.0\.bin$/);
      expect(today).to.not.match(/X-Delta/i);
      // An answer naming a patch is not cached in place of the file's, nor the other way round.
      expect((await check('d3', deltaQuery())).text).to.equal(`.delta/${patch.id}`);
      expect((await raw(t, 'app_ver=1.0.0')).endsWith('lamp-1.1.0.bin')).to.equal(true);
    });
  });

  describe('patch downloads', () => {
    const get = (path: string, headers: Record<string, string> = {}) => t.client.get(path, { headers });

    it('serves the patch whole, and HEAD, with a strong ETag, Content-Length and the validators', async () => {
      const whole = await get(patchPath());
      expect(whole.status).to.equal(200);
      expect(whole.body.equals(patchBytes)).to.equal(true);
      expect(whole.headers).to.include({
        'content-length': String(patchBytes.length),
        'accept-ranges': 'bytes',
        'content-type': 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      expect(whole.headers.etag).to.match(/^"[0-9a-f]{64}"$/);
      const head = await t.client.send(patchPath(), { method: 'HEAD' });
      expect(head.status).to.equal(200);
      expect(head.body.length).to.equal(0);
      expect(head.headers.etag).to.equal(whole.headers.etag);
      expect(offers.openBlobs).to.equal(0);
    });

    it('answers ranges (206), a resume, If-Range, If-None-Match (304) and an unsatisfiable range (416)', async () => {
      const etag = String((await t.client.send(patchPath(), { method: 'HEAD' })).headers.etag);
      const first = await get(patchPath(), { Range: 'bytes=0-99' });
      expect(first.status).to.equal(206);
      expect(first.headers['content-range']).to.equal(`bytes 0-99/${patchBytes.length}`);
      const rest = await get(patchPath(), { Range: 'bytes=100-', 'If-Range': etag });
      expect(rest.status).to.equal(206);
      expect(Buffer.concat([first.body, rest.body]).equals(patchBytes)).to.equal(true);
      const stale = await get(patchPath(), { Range: 'bytes=100-', 'If-Range': '"other"' });
      expect(stale.status).to.equal(200);
      expect(stale.body.length).to.equal(patchBytes.length);
      const cached = await get(patchPath(), { 'If-None-Match': etag });
      expect(cached.status).to.equal(304);
      expect(cached.body.length).to.equal(0);
      const beyond = await get(patchPath(), { Range: `bytes=${patchBytes.length}-` });
      expectProblem(beyond, 416, 'range-not-satisfiable');
      expect(beyond.headers['content-range']).to.equal(`bytes */${patchBytes.length}`);
      expect(offers.openBlobs).to.equal(0);
    });

    it('answers an unknown patch, a malformed id or an unknown format as a missing file (404)', async () => {
      const other = `${'c'.repeat(64)}.${'d'.repeat(64)}.edo1-hs8-7`;
      for (const path of [
        `/files/.delta/${other}`,
        '/files/.delta/not-a-patch',
        `/files/.delta/${patch.id.replace('edo1-hs8-7', 'zz-1')}`,
        `/files/.delta/${patch.id.toUpperCase()}`,
        `/files/.offer/001767225600000-d1/.delta/${patch.id}`,
      ]) {
        expectProblem(await get(path), 404, 'file-not-found', path);
      }
    });

    it("serves a device's own credential only the patch its current attempt was offered", async () => {
      const made = await t.client.send('/api/v1/devices/d6/credentials', { method: 'POST' });
      expect(made.status, made.text).to.equal(201);
      const own = { auth: { username: 'd6', password: jsonOf<{ password: string }>(made).password } };
      expect((await t.client.put('/devices/d6', '"d6","1.0.0","lamp-1.1.0.bin"', 'text/csv')).status).to.equal(200);
      // Offered the full image (no patch from its base): the patch is not its to fetch.
      expect((await t.client.get(`/devices/d6?${deltaQuery('cd'.repeat(32))}`, own)).text).to.equal('lamp-1.1.0.bin');
      expectProblem(await t.client.get(patchPath(), own), 404, 'file-not-found');
      // Offered the patch: now it is, tied to its attempt directly.
      expect((await t.client.get(`/devices/d6?${deltaQuery()}`, own)).text).to.equal(`.delta/${patch.id}`);
      const download = await t.client.get(patchPath(), own);
      expect(download.status).to.equal(200);
      expect(download.body.equals(patchBytes)).to.equal(true);
      const detail = await eventuallyState('d6', 'downloaded');
      expect(detail.attempt).to.deep.include({ attribution: 'direct', offeredAs: 'patch', downloadedAs: 'patch' });
    });

    it('refuses an upload to the reserved .delta/ path (400), as to any dot-path', async () => {
      const res = await t.client.put(`/files/.delta/${patch.id}`, Buffer.from('x'), 'application/octet-stream');
      expectProblem(res, 400, 'invalid-file-path');
    });

    it('logs each patch download with its path and counts it in the request metrics', async () => {
      await get(patchPath());
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(
        t.logger.lines.some((line) => line.includes(`/files/.delta/${patch.id}`) && line.includes('"status":200')),
      ).to.equal(true);
      expect((await t.client.get('/metrics')).text).to.match(
        /fuota_http_requests_total\{[^}]*route="\/files\/\*path"[^}]*\}/,
      );
    });

    it('counts a resumed patch download once, its parts saving one image, and a short range little', async () => {
      const counters = async () => {
        const text = (await t.client.get('/metrics')).text;
        const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');
        return {
          downloads: value('fuota_delta_patch_downloads_total'),
          saved: value('fuota_delta_bytes_saved_total'),
        };
      };
      const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
      const perByte = (target.length - patchBytes.length) / patchBytes.length;
      const before = await counters();
      const half = Math.floor(patchBytes.length / 2);
      expect((await get(patchPath(), { Range: `bytes=0-${half - 1}` })).status).to.equal(206);
      expect((await get(patchPath(), { Range: `bytes=${half}-` })).status).to.equal(206);
      await settle();
      const resumed = await counters();
      expect(resumed.downloads - before.downloads, 'downloads').to.equal(1);
      expect(resumed.saved - before.saved, 'bytes saved').to.be.closeTo(target.length - patchBytes.length, 1);
      expect((await get(patchPath(), { Range: 'bytes=-10' })).status).to.equal(206);
      await settle();
      const tail = await counters();
      expect(tail.saved - resumed.saved, 'bytes saved by a 10-byte range').to.equal(Math.round(10 * perByte));
    });
  });

  describe('attempts', () => {
    it('records a patch offer and its download: offeredAs and downloadedAs patch, progress against the patch', async () => {
      expect((await check('d4', deltaQuery())).text).to.equal(`.delta/${patch.id}`);
      let detail = await api.getJson<DeviceDetailJson>('/api/v1/devices/d4');
      expect(detail.attempt).to.deep.include({
        state: 'offered',
        offeredAs: 'patch',
        downloadedAs: null,
        patchSize: patchBytes.length,
      });
      // Half the patch, then the rest (a resumed download): downloading, then downloaded.
      await t.client.get(patchPath(), { headers: { Range: `bytes=0-${Math.floor(patchBytes.length / 2) - 1}` } });
      await eventuallyState('d4', 'downloading');
      await t.client.get(patchPath(), { headers: { Range: `bytes=${Math.floor(patchBytes.length / 2)}-` } });
      detail = await eventuallyState('d4', 'downloaded');
      expect(detail.attempt).to.deep.include({
        downloadedAs: 'patch',
        servedBytes: patchBytes.length,
        fileSize: target.length,
      });
      // The full image offered and downloaded: the other form's attempt.
      expect((await check('d5', 'app_ver=1.0.0')).text).to.equal('lamp-1.1.0.bin');
      await t.client.get('/files/lamp-1.1.0.bin');
      detail = await eventuallyState('d5', 'downloaded');
      expect(detail.attempt).to.deep.include({ offeredAs: 'full', downloadedAs: 'full', patchSize: null });
    });

    it('ties a full-image download with the shared credential to the device offered a patch (its fallback)', async () => {
      const row = await t.client.put('/devices/d7', '"d7","1.0.0","lamp-1.1.0.bin"', 'text/csv');
      expect(row.status, row.text).to.equal(200);
      expect((await check('d7', deltaQuery())).text).to.equal(`.delta/${patch.id}`);
      expect((await t.client.get('/files/lamp-1.1.0.bin')).body.length).to.equal(target.length);
      const detail = await eventuallyState('d7', 'downloaded');
      expect(detail.attempt).to.deep.include({
        offeredAs: 'patch',
        downloadedAs: 'full',
        attribution: 'inferred',
        servedBytes: target.length,
      });
    });

    it('describes the new fields in the OpenAPI document', async () => {
      const doc = jsonOf<{ components: { schemas: Record<string, { properties: Record<string, unknown> }> } }>(
        await t.client.get('/api/v1/openapi.json'),
      );
      expect(doc.components.schemas.UpdateAttempt?.properties).to.include.keys(
        'offeredAs',
        'downloadedAs',
        'patchSize',
      );
      expect(doc.components.schemas.FleetSummary?.properties).to.include.keys('delta');
    });
  });

  describe('rollout offers', () => {
    it("names the patch under the offer's own path, and ties its download to the attempt", async () => {
      // A device with no row, running the stored 1.0.0: only a rollout offers it anything.
      expect((await check('lamp-r', deltaQuery())).status).to.equal(404);
      expect((await check('lamp-s', 'app_ver=1.0.0')).status).to.equal(404);
      const created = await api.send('POST', '/api/v1/rollouts', {
        name: 'lamp 1.1 delta',
        file: 'lamp-1.1.0.bin',
        waves: [100],
        selector: { devices: ['lamp-r', 'lamp-s'] },
      });
      expect(created.status, created.text).to.equal(201);
      const { id } = jsonOf<{ id: string }>(created);
      const started = await t.client.send(`/api/v1/rollouts/${id}/start`, { method: 'POST' });
      expect(started.status, started.text).to.equal(200);
      const offer = await check('lamp-r', deltaQuery());
      expect(offer.status).to.equal(200);
      expect(offer.text).to.match(new RegExp(`^\\.offer/\\d{15}-lamp-r/\\.delta/${patch.id.replace(/\./g, '\\.')}$`));
      expect(offer.headers['x-delta-base-sha256']).to.equal(baseHex);
      // The offer's patch path alone, for the attempt's device alone.
      expectProblem(await t.client.get(`/files/${offer.text.replace('lamp-r', 'lamp-x')}`), 404, 'file-not-found');
      const download = await t.client.get(`/files/${offer.text}`);
      expect(download.status).to.equal(200);
      expect(download.body.equals(patchBytes)).to.equal(true);
      const detail = await eventuallyState('lamp-r', 'downloaded');
      expect(detail.attempt).to.deep.include({ offeredAs: 'patch', downloadedAs: 'patch', attribution: 'direct' });
      // The same rollout, a device without delta=: the offer path as before.
      const full = await check('lamp-s', 'app_ver=1.0.0');
      expect(full.status).to.equal(200);
      expect(full.text).to.match(/^\.offer\/\d{15}-lamp-s$/);
      expect(full.headers['x-delta-format']).to.equal(undefined);
      expect((await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-s')).attempt).to.deep.include({
        offeredAs: 'full',
      });
    });
  });

  async function eventuallyState(id: string, state: string): Promise<DeviceDetailJson> {
    for (let i = 0; ; i += 1) {
      const detail = await api.getJson<DeviceDetailJson>(`/api/v1/devices/${id}`);
      if (detail.attempt?.state === state || i === 50) {
        expect(detail.attempt?.state).to.equal(state);
        return detail;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
});
