import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

const BIN = 'application/octet-stream';

/** Image validation over HTTP (FUOTA_VALIDATE_IMAGES on, the default). */
describe('HTTP: firmware-aware uploads', () => {
  let t: RunningTestServer;
  before(async () => {
    t = await startTestServer({ storage: 'disk' });
  });
  after(() => t.stop());

  const image = buildEspImage({
    chip: 'esp32s3',
    version: 'v2.0.0',
    projectName: 'lamp',
    secureVersion: 1,
    signatureBlocks: 1,
  });

  it('stores a valid image and answers with what it read from it', async () => {
    const res = await t.client.put('/files/lamp/v2.bin', image, BIN);
    expect(res.status, res.text).to.equal(200);
    const body = JSON.parse(res.text) as { path: string; size: number; sha256: string; image: Record<string, unknown> };
    expect(body).to.include({ path: 'lamp/v2.bin', size: image.length });
    expect(body.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(body.image).to.include({
      chip: 'esp32s3',
      version: 'v2.0.0',
      projectName: 'lamp',
      secureVersion: 1,
      signed: true,
      hashAppended: true,
    });
    for (const field of ['minChipRevFull', 'maxChipRevFull', 'idfVersion', 'elfSha256', 'compileDate', 'compileTime']) {
      expect(body.image).to.have.property(field);
    }
  });

  it('lists stored files at /api/v1/files and one at /api/v1/files/<path>', async () => {
    const list = await t.client.get('/api/v1/files');
    expect(list.status).to.equal(200);
    expect(list.headers['content-type']).to.match(/^application\/json/);
    const files = JSON.parse(list.text) as Array<{ path: string; image: { version: string } | null }>;
    expect(files.map((file) => file.path)).to.include('lamp/v2.bin');
    const one = await t.client.get('/api/v1/files/lamp/v2.bin');
    expect(JSON.parse(one.text)).to.deep.include({ path: 'lamp/v2.bin', size: image.length });
    expect((await t.client.get('/api/v1/files/lamp/none.bin')).status).to.equal(404);
    expect((await t.client.get('/api/v1/files/..%2Fdevices.db')).status).to.equal(400);
  });

  const refusals: Array<[string, () => Buffer, string]> = [
    ['a text file', () => Buffer.from('#!/bin/sh\necho not firmware\n'), 'bad-magic'],
    ['a few bytes of text, too short for an image header', () => Buffer.from('hello\n'), 'bad-magic'],
    [
      'a pre-encrypted image',
      () => Buffer.concat([Buffer.from([0xcf, 0xb6, 0x88, 0x07]), Buffer.alloc(1000)]),
      'pre-encrypted-image',
    ],
    [
      'an unknown chip',
      () => {
        const b = buildEspImage();
        b.writeUInt16LE(0x99, 12);
        return b;
      },
      'unknown-chip',
    ],
    ['a truncated image', () => image.subarray(0, 1000), 'truncated'],
    [
      'a flipped header byte',
      () => {
        const b = Buffer.from(image);
        b[20] = (b[20] ?? 0) ^ 4;
        return b;
      },
      'sha256-mismatch',
    ],
    [
      'a checksum mismatch',
      () => {
        const b = buildEspImage({ hashAppended: false });
        b[400] = (b[400] ?? 0) ^ 4;
        return b;
      },
      'checksum-mismatch',
    ],
    [
      'a missing app descriptor',
      () => {
        const b = buildEspImage({ hashAppended: false });
        b.writeUInt32LE(0x12345678, 32);
        return b;
      },
      'app-descriptor-missing',
    ],
    [
      'a bad signature sector',
      () => {
        const b = Buffer.from(image);
        b[b.length - 4096 + 100] = (b[b.length - 4096 + 100] ?? 0) ^ 1;
        return b;
      },
      'signature-invalid',
    ],
  ];
  for (const [name, make, reason] of refusals) {
    it(`refuses ${name} with 422 (${reason}) and stores nothing`, async () => {
      const res = await t.client.put('/files/lamp/v2.bin', make(), BIN);
      expect(res.status).to.equal(422);
      expect(res.headers['content-type']).to.equal('application/problem+json');
      expect(JSON.parse(res.text)).to.include({ status: 422, code: 'invalid-image', reason });
      const kept = await t.client.get('/files/lamp/v2.bin');
      expect(kept.body.equals(image)).to.equal(true);
      const fresh = await t.client.put(`/files/refused-${reason}.bin`, make(), BIN);
      expect(fresh.status).to.equal(422);
      expect((await t.client.get(`/files/refused-${reason}.bin`)).status).to.equal(404);
    });
  }

  it('refuses a multipart form upload (curl -F) with 415 and how to send the raw file, whatever ?validate says', async () => {
    const boundary = '------------------------d74496d66958873e';
    const form = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="v3.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      image,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    for (const path of ['/files/lamp/v3.bin', '/files/lamp/v3.bin?validate=false']) {
      const res = await t.client.put(path, form, `multipart/form-data; boundary=${boundary}`);
      expect(res.status, path).to.equal(415);
      const body = JSON.parse(res.text) as { code: string; detail: string };
      expect(body.code).to.equal('unsupported-media-type');
      expect(body.detail).to.include('--data-binary @<file>').and.include('-T <file>');
    }
    expect((await t.client.get('/files/lamp/v3.bin')).status).to.equal(404);
    // The same envelope sent as raw bytes is no image either, and says so with the same hint.
    const raw = await t.client.put('/files/lamp/v3.bin', form, BIN);
    expect(raw.status).to.equal(422);
    expect(JSON.parse(raw.text)).to.include({ reason: 'bad-magic' });
    expect((JSON.parse(raw.text) as { detail: string }).detail).to.include('multipart form (curl -F)');
  });

  it('stores any bytes with ?validate=false, for operators who serve other binaries', async () => {
    const res = await t.client.put('/files/other/model.tflite?validate=false', 'TFL3 model bytes', BIN);
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.text)).to.include({ image: null, size: 16 });
    expect((await t.client.get('/files/other/model.tflite')).text).to.equal('TFL3 model bytes');
    expect((await t.client.put('/files/x.bin?validate=perhaps', 'x', BIN)).status).to.equal(400);
  });

  it('accepts any bytes when FUOTA_VALIDATE_IMAGES=false', async () => {
    const lenient = await startTestServer({ validateImages: false });
    try {
      expect((await lenient.client.put('/files/a.bin', 'anything', BIN)).status).to.equal(200);
      expect((await lenient.client.put('/files/b.bin?validate=true', 'anything', BIN)).status).to.equal(422);
    } finally {
      await lenient.stop();
    }
  });

  it('answers 409 to a row that would make a device reinstall the version it runs', async () => {
    const loop = await t.client.put('/devices/lamp-1', '"lamp-1","v2.0.0","lamp/v2.bin"', 'text/csv');
    expect(loop.status).to.equal(409);
    expect(JSON.parse(loop.text)).to.include({ code: 'reinstall-loop' });
    expect((await t.client.get('/devices/lamp-1?app_ver=v2.0.0')).status).to.equal(404);
    expect((await t.client.put('/devices/lamp-1', '"lamp-1","v1.9.0","lamp/v2.bin"', 'text/csv')).status).to.equal(200);
  });

  it('answers 409 naming the rows to an upload that would make them reinstall the version they run, keeping the stored file', async () => {
    expect((await t.client.put('/devices/lamp-9', '"lamp-9","v3.0.0","lamp/next.bin"', 'text/csv')).status).to.equal(
      200,
    );
    const loop = await t.client.put(
      '/files/lamp/next.bin',
      buildEspImage({ projectName: 'lamp', version: 'v3.0.0' }),
      BIN,
    );
    expect(loop.status).to.equal(409);
    const problem = JSON.parse(loop.text) as { code: string; detail: string };
    expect(problem.code).to.equal('reinstall-loop');
    expect(problem.detail).to.contain('lamp-9');
    expect((await t.client.get('/api/v1/files/lamp/next.bin')).status).to.equal(404);
    expect((await t.client.get('/devices/lamp-9?app_ver=v3.0.0')).status).to.equal(404);
    expect(
      (await t.client.put('/files/lamp/next.bin', buildEspImage({ projectName: 'lamp', version: 'v3.1.0' }), BIN))
        .status,
    ).to.equal(200);
    expect((await t.client.delete('/devices/lamp-9')).status).to.equal(200);
  });

  it("adds the firmware's size, SHA-256 and version to an offered update, keeping the seed body", async () => {
    const res = await t.client.get('/devices/lamp-1?app_ver=v1.9.0');
    expect(res.status).to.equal(200);
    expect(res.text).to.equal('lamp/v2.bin');
    expect(res.headers['content-length']).to.equal('11');
    expect(res.headers['x-firmware-size']).to.equal(String(image.length));
    expect(res.headers['x-firmware-sha256']).to.match(/^[0-9a-f]{64}$/);
    expect(res.headers['x-firmware-version']).to.equal('v2.0.0');
    const etag = (await t.client.send('/files/lamp/v2.bin', { method: 'HEAD' })).headers.etag;
    expect(etag).to.equal(`"${res.headers['x-firmware-sha256']}"`);
  });

  it('describes the new file in the offer once the file at the offered path is replaced', async () => {
    expect(
      (await t.client.put('/files/lamp/swap.bin', buildEspImage({ version: 'v5.0.0' }), 'application/octet-stream'))
        .status,
    ).to.equal(200);
    expect((await t.client.put('/devices/lamp-swap', '"lamp-swap","v4","lamp/swap.bin"', 'text/csv')).status).to.equal(
      200,
    );
    const before = await t.client.get('/devices/lamp-swap?app_ver=v4');
    const replacement = buildEspImage({ version: 'v5.0.1', segmentLengths: [5000] });
    expect((await t.client.put('/files/lamp/swap.bin', replacement, 'application/octet-stream')).status).to.equal(200);
    const after = await t.client.get('/devices/lamp-swap?app_ver=v4');
    expect(before.headers['x-firmware-version']).to.equal('v5.0.0');
    expect(after.headers).to.include({ 'x-firmware-version': 'v5.0.1', 'x-firmware-size': String(replacement.length) });
    expect(after.headers['x-firmware-sha256']).to.not.equal(before.headers['x-firmware-sha256']);
    expect(after.text).to.equal('lamp/swap.bin');
  });

  it("leaves out X-Firmware-Version when the image's version cannot be a header value", async () => {
    const odd = buildEspImage({ version: 'v3 \u00e9t\u00e9\tbuild' });
    expect((await t.client.put('/files/lamp/odd.bin', odd, 'application/octet-stream')).status).to.equal(200);
    expect((await t.client.put('/devices/lamp-odd', '"lamp-odd","v1","lamp/odd.bin"', 'text/csv')).status).to.equal(
      200,
    );
    const res = await t.client.get('/devices/lamp-odd?app_ver=v1');
    expect(res.status).to.equal(200);
    expect(res.text).to.equal('lamp/odd.bin');
    expect(res.headers['x-firmware-size']).to.equal(String(odd.length));
    expect(res.headers).to.not.have.property('x-firmware-version');
  });
});
