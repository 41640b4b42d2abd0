import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { EDO1_HS8_7 } from '../../src/domain/delta/delta-format.js';
import { DEFAULT_ATTEMPT_RULES } from '../../src/domain/fleet/attempt-rules.js';
import { DeltaDeviceEmulator } from '../support/delta-device-emulator.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { DeviceDetailJson } from '../support/fleet-api-client.js';
import { FleetApi } from '../support/fleet-api-client.js';
import { InMemoryDeltaOffers } from '../support/in-memory-delta-offers.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';
import { applyTestPatch, makeTestPatch } from '../support/test-delta-patch.js';
import type { RealDeltaCodec } from '../support/real-delta-codec.js';
import { realDeltaCodec } from '../support/real-delta-codec.js';

/** The appended SHA-256 of an image built with one (its last 32 bytes). */
const appendedDigest = (image: Buffer) => image.subarray(image.length - 32);

/**
 * End to end: an ESP32 with esp_delta_ota (the emulator: running image, header checks, streamed
 * apply, digest check before booting) updates through fuota with a patch; one without `delta=`
 * gets the full image. The patches are the stand-in codec's (test-delta-patch.ts) until the real
 * one is merged: then `makeDeltaPatch` makes them and the emulator applies with `applyDeltaPatch`.
 */
describe('delta updates: an esp_delta_ota device updates with a patch', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  let ca: string;
  const offers = new InMemoryDeltaOffers();
  const base = buildEspImage({ version: '1.0.0', projectName: 'lamp', seed: 7, segmentLengths: [65_536, 8_192] });
  const target = buildEspImage({ version: '1.1.0', projectName: 'lamp', seed: 7, segmentLengths: [65_536, 8_192] });
  const patch = makeTestPatch(base, target, appendedDigest(base));

  before(async () => {
    t = await startTestServer({ deltaOffers: offers, fleet: { rules: { ...DEFAULT_ATTEMPT_RULES, successPolls: 1 } } });
    api = new FleetApi(t);
    ca = (await testCertificate()).cert;
    for (const [path, image] of [
      ['lamp-1.0.0.bin', base],
      ['lamp-1.1.0.bin', target],
    ] as const) {
      const res = await t.client.put(`/files/${path}`, image, 'application/octet-stream');
      expect(res.status, res.text).to.equal(200);
    }
    offers.add({ base, baseImageSha256: appendedDigest(base).toString('hex'), target, patch, format: EDO1_HS8_7 });
    for (const id of ['lamp-delta', 'lamp-full']) {
      expect((await t.client.put(`/devices/${id}`, `"${id}","1.0.0","lamp-1.1.0.bin"`, 'text/csv')).status).to.equal(
        200,
      );
    }
  });
  after(async () => {
    api.close();
    await t.stop();
  });

  const device = (id: string, patches: boolean) =>
    new DeltaDeviceEmulator(
      { port: t.server.address.port, ca, auth: TEST_CREDENTIAL },
      id,
      base,
      patches ? applyTestPatch : undefined,
    );

  it('the patch is a small part of the image (else the test proves little)', () => {
    expect(patch.length).to.be.below(target.length / 10);
  });

  it('downloads the patch, rebuilds the image byte for byte, boots it, and the attempt succeeds as a patch', async () => {
    const lamp = device('lamp-delta', true);
    expect(lamp.checkQuery()).to.equal(`app_ver=1.0.0&delta=edo1-hs8-7&base=${appendedDigest(base).toString('hex')}`);
    const first = await lamp.poll();
    expect(first).to.deep.include({ status: 200, form: 'patch', downloaded: patch.length, booted: '1.1.0' });
    expect(first.path).to.match(/^\.delta\/[0-9a-f]{64}\.[0-9a-f]{64}\.edo1-hs8-7$/);
    expect(lamp.runningImage.equals(target)).to.equal(true);
    // Booted: the new version polls (provisional), once more (succeeded, with one poll asked).
    expect((await lamp.poll()).status).to.equal(204);
    expect((await lamp.poll()).status).to.equal(204);
    const detail = await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-delta');
    expect(detail.runningVersion).to.equal('1.1.0');
    expect(detail.attempt).to.deep.include({
      state: 'succeeded',
      file: 'lamp-1.1.0.bin',
      offeredAs: 'patch',
      downloadedAs: 'patch',
      patchSize: patch.length,
      servedBytes: patch.length,
    });
  });

  it('a device without delta= gets the full image, and its attempt says so', async () => {
    const lamp = device('lamp-full', false);
    expect(lamp.checkQuery()).to.equal('app_ver=1.0.0');
    const first = await lamp.poll();
    expect(first).to.deep.include({ status: 200, path: 'lamp-1.1.0.bin', form: 'full', downloaded: target.length });
    expect(createHash('sha256').update(lamp.runningImage).digest('hex')).to.equal(
      createHash('sha256').update(target).digest('hex'),
    );
    await lamp.poll();
    await lamp.poll();
    const detail = await api.getJson<DeviceDetailJson>('/api/v1/devices/lamp-full');
    expect(detail.attempt).to.deep.include({
      state: 'succeeded',
      offeredAs: 'full',
      downloadedAs: 'full',
      patchSize: null,
    });
  });

  it('counts the patch download and the bytes it saved in the fleet summary and the metrics', async () => {
    const summary = await api.getJson<{ delta: { patchDownloads: number; bytesSaved: number } }>('/api/v1/fleet');
    expect(summary.delta).to.deep.equal({ patchDownloads: 1, bytesSaved: target.length - patch.length });
    const metrics = (await t.client.get('/metrics')).text;
    expect(metrics).to.match(/^fuota_delta_patch_downloads_total(\{[^}]*\})? 1$/m);
    expect(metrics).to.match(
      new RegExp(`^fuota_delta_bytes_saved_total(\\{[^}]*\\})? ${target.length - patch.length}$`, 'm'),
    );
    expect(offers.openBlobs).to.equal(0);
  });

  it('a device whose running image the patch is not for refuses it before writing anything', async () => {
    // The server offers by the digest the device sends; a device sending another's digest (a
    // bug) gets a patch whose header names another image, and must keep its own.
    const other = buildEspImage({ version: '1.0.0', projectName: 'lamp', seed: 8, segmentLengths: [65_536, 8_192] });
    expect(
      (await t.client.put('/devices/lamp-odd', '"lamp-odd","1.0.0","lamp-1.1.0.bin"', 'text/csv')).status,
    ).to.equal(200);
    const odd = new DeltaDeviceEmulator(
      { port: t.server.address.port, ca, auth: TEST_CREDENTIAL },
      'lamp-odd',
      other,
      applyTestPatch,
      appendedDigest(base),
    );
    let refused: unknown;
    await odd.poll().catch((error: unknown) => (refused = error));
    expect(String(refused)).to.include('not for the running image');
    expect(odd.runningImage.equals(other)).to.equal(true);
  });
});

describe("delta updates: an esp_delta_ota device updates with fuota's own codec", () => {
  let t: RunningTestServer;
  let codec: RealDeltaCodec | undefined;
  const offers = new InMemoryDeltaOffers();
  const base = buildEspImage({ version: '1.0.0', projectName: 'lamp', seed: 11, segmentLengths: [65_536, 8_192] });
  const target = buildEspImage({ version: '1.2.0', projectName: 'lamp', seed: 12, segmentLengths: [65_536, 8_192] });

  before(async function () {
    codec = await realDeltaCodec();
    if (codec === undefined) {
      console.warn(
        '      (skipped: src/domain/delta/delta-patch.ts has no makeDeltaPatch and applyDeltaPatch in this build)',
      );
      this.skip();
    }
    t = await startTestServer({ deltaOffers: offers });
    for (const [path, image] of [
      ['lamp-1.0.0.bin', base],
      ['lamp-1.2.0.bin', target],
    ] as const) {
      expect((await t.client.put(`/files/${path}`, image, 'application/octet-stream')).status).to.equal(200);
    }
    const patch = codec.makeDeltaPatch(base, target, appendedDigest(base));
    offers.add({ base, baseImageSha256: appendedDigest(base).toString('hex'), target, patch, format: EDO1_HS8_7 });
    expect(
      (await t.client.put('/devices/lamp-real', '"lamp-real","1.0.0","lamp-1.2.0.bin"', 'text/csv')).status,
    ).to.equal(200);
  });
  after(async () => {
    await t?.stop();
  });

  it('rebuilds the image from the real patch, streamed, and boots it', async () => {
    const lamp = new DeltaDeviceEmulator(
      { port: t.server.address.port, ca: (await testCertificate()).cert, auth: TEST_CREDENTIAL },
      'lamp-real',
      base,
      (codec as RealDeltaCodec).apply,
    );
    expect(await lamp.poll()).to.deep.include({ status: 200, form: 'patch', booted: '1.2.0' });
    expect(lamp.runningImage.equals(target)).to.equal(true);
  });
});
