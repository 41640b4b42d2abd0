import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { DEFAULT_ATTEMPT_RULES } from '../../src/domain/fleet/attempt-rules.js';
import { DeltaDeviceEmulator, streamedDeltaApplier } from '../support/delta-device-emulator.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { eventually } from '../support/eventually.js';
import type { DeviceDetailJson } from '../support/fleet-api-client.js';
import { FleetApi } from '../support/fleet-api-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';

/** The appended SHA-256 of an image built with one (its last 32 bytes). */
const appendedDigest = (image: Buffer) => image.subarray(image.length - 32);

/**
 * End to end: two releases uploaded, fuota makes the patch between them (worker thread, bsdiff,
 * heatshrink 8/7, applied back before it is kept), and an ESP32 with esp_delta_ota (the emulator:
 * running image, header checks, the patch streamed into fuota's applier in 1 KiB pieces, digest
 * check before booting) updates with it; one without `delta=` gets the full image.
 */
describe('delta updates: an esp_delta_ota device updates with a patch', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  let ca: string;
  const base = buildEspImage({ version: '1.0.0', projectName: 'lamp', seed: 7, segmentLengths: [65_536, 8_192] });
  const target = buildEspImage({ version: '1.1.0', projectName: 'lamp', seed: 7, segmentLengths: [65_536, 8_192] });
  let patchSize = 0;

  before(async () => {
    t = await startTestServer({ fleet: { rules: { ...DEFAULT_ATTEMPT_RULES, successPolls: 1 } } });
    api = new FleetApi(t);
    ca = (await testCertificate()).cert;
    for (const [path, image] of [
      ['lamp-1.0.0.bin', base],
      ['lamp-1.1.0.bin', target],
    ] as const) {
      const res = await t.client.put(`/files/${path}`, image, 'application/octet-stream');
      expect(res.status, res.text).to.equal(200);
    }
    // The upload of 1.1.0 asks for a patch from the project's earlier version, built in the background.
    await eventually(
      async () => {
        const file = await api.getJson<{ patches: Array<{ baseSha256: string; size: number }> }>(
          '/api/v1/files/lamp-1.1.0.bin',
        );
        patchSize = file.patches[0]?.size ?? 0;
        return file.patches[0]?.baseSha256 === createHash('sha256').update(base).digest('hex');
      },
      'the patch from 1.0.0 to 1.1.0 is built',
      30_000,
    );
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
      patches ? streamedDeltaApplier : undefined,
    );

  it('the patch is a small part of the image (else the test proves little)', () => {
    expect(patchSize).to.be.below(target.length / 10);
  });

  it('downloads the patch, rebuilds the image byte for byte, boots it, and the attempt succeeds as a patch', async () => {
    const lamp = device('lamp-delta', true);
    expect(lamp.checkQuery()).to.equal(`app_ver=1.0.0&delta=edo1-hs8-7&base=${appendedDigest(base).toString('hex')}`);
    const first = await lamp.poll();
    expect(first).to.deep.include({ status: 200, form: 'patch', downloaded: patchSize, booted: '1.1.0' });
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
      patchSize,
      servedBytes: patchSize,
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
    expect(summary.delta).to.deep.equal({ patchDownloads: 1, bytesSaved: target.length - patchSize });
    const metrics = (await t.client.get('/metrics')).text;
    expect(metrics).to.match(/^fuota_delta_patch_downloads_total(\{[^}]*\})? 1$/m);
    expect(metrics).to.match(
      new RegExp(`^fuota_delta_bytes_saved_total(\\{[^}]*\\})? ${target.length - patchSize}$`, 'm'),
    );
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
      streamedDeltaApplier,
      appendedDigest(base),
    );
    let refused: unknown;
    await odd.poll().catch((error: unknown) => (refused = error));
    expect(String(refused)).to.include('not for the running image');
    expect(odd.runningImage.equals(other)).to.equal(true);
  });
});
