import { expect } from 'chai';
import { applyDeltaPatch } from '../../src/domain/delta/delta-patch.js';
import { EDO1_HS8_7 } from '../../src/domain/delta/delta-format.js';
import type { UpdateFile } from '../../src/domain/update-file.js';
import type { HttpResponse } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';
import { imageDigest, release, sha256 } from '../support/delta-images.js';
import { eventually } from '../support/eventually.js';
import { openDiskStorage } from '../../src/main/bootstrap/storage.js';
import { dataLayout } from '../../src/main/config/data-layout.js';
import type { EspImageInfo } from '../../src/domain/firmware/esp-image-info.js';

const BIN = 'application/octet-stream';

interface Patch {
  id: string;
  format: string;
  baseSha256: string;
  baseImageSha256: string;
  basePath: string | null;
  baseVersion: string | null;
  targetSha256: string;
  targetSize: number;
  size: number;
  ratio: number;
  offered: boolean;
  createdAt: string;
}

const make = (t: RunningTestServer, body: unknown): Promise<HttpResponse> =>
  t.client.send('/api/v1/deltas', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
const listing = async (t: RunningTestServer) =>
  JSON.parse((await t.client.get('/api/v1/deltas')).text) as {
    patches: Patch[];
    builds: Array<{ state: string; detail: string; basePath: string | null; targetPath: string | null }>;
  };
const fileOf = async (t: RunningTestServer, path: string): Promise<UpdateFile> =>
  JSON.parse((await t.client.get(`/api/v1/files/${path}`)).text) as UpdateFile;

async function upload(t: RunningTestServer, path: string, bytes: Buffer): Promise<void> {
  const answer = await t.client.put(`/files/${path}`, bytes, BIN);
  expect(answer.status, answer.text).to.equal(200);
}

/** The patch's bytes as a device downloads them: through DeltaOffers.open. */
async function patchBytes(t: RunningTestServer, id: string): Promise<Buffer> {
  const opened = await t.server.deltas.open(id);
  if (opened === undefined) expect.fail(`no patch ${id}`);
  const out: Buffer[] = [];
  for await (const chunk of opened.blob.content()) out.push(Buffer.from(chunk));
  return Buffer.concat(out);
}

describe("HTTP: delta patches (/api/v1/deltas, a file's patches)", () => {
  let t: RunningTestServer;
  afterEach(async () => {
    await t?.stop();
  });

  it('makes patches on upload from the earlier versions of the same project and chip, lists them, and they rebuild their target', async () => {
    t = await startTestServer();
    const v1 = release('1.0.0');
    const v2 = release('1.1.0');
    const other = release('1.0.0', { projectName: 'other' });
    await upload(t, 'fw/v1.bin', v1);
    await upload(t, 'other/v1.bin', other);
    await upload(t, 'fw/v2.bin', v2);
    await t.server.deltas.settled();

    const detail = (await fileOf(t, 'fw/v2.bin')) as unknown as { patches: Patch[] };
    expect(detail.patches).to.have.length(1);
    const [patch] = detail.patches;
    expect(patch).to.deep.include({
      id: `${sha256(v2)}.${sha256(v1)}.${EDO1_HS8_7}`,
      format: EDO1_HS8_7,
      baseSha256: sha256(v1),
      baseImageSha256: imageDigest(v1),
      basePath: 'fw/v1.bin',
      baseVersion: '1.0.0',
      targetSize: v2.length,
    });
    expect(patch!.ratio)
      .to.equal(patch!.size / v2.length)
      .and.to.be.below(0.8);
    expect(Number.isNaN(Date.parse(patch!.createdAt))).to.equal(false);
    expect(sha256(applyDeltaPatch(v1, await patchBytes(t, patch!.id)))).to.equal(sha256(v2));
    expect(((await fileOf(t, 'fw/v1.bin')) as unknown as { patches: Patch[] }).patches).to.deep.equal([]);
    expect((await listing(t)).patches.map((p) => p.id)).to.deep.equal([patch!.id]);

    // The device path: offered to a device running v1 that names its image digest, from memory.
    const target = await t.storage.catalog.get('fw/v2.bin' as never);
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(v1))?.id).to.equal(patch!.id);
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(other))).to.equal(undefined);

    const metrics = (await t.client.get('/metrics')).text;
    expect(metrics).to.match(/^fuota_delta_builds_total\{outcome="stored"\} 1$/m);
    expect(metrics).to.match(/^fuota_delta_patches 1$/m);
  });

  it('builds on demand a pair a device asks for (never waiting), then offers it', async () => {
    t = await startTestServer({ delta: { bases: 0 } });
    const v1 = release('1.0.0');
    const v3 = release('3.0.0');
    await upload(t, 'fw/v1.bin', v1);
    await upload(t, 'fw/v3.bin', v3);
    await t.server.deltas.settled();
    expect((await listing(t)).patches).to.deep.equal([]);
    const target = await t.storage.catalog.get('fw/v3.bin' as never);
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(v1))).to.equal(undefined);
    await t.server.deltas.settled();
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(v1))?.baseSha256).to.equal(sha256(v1));
    // An unknown digest asks for nothing.
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, 'ab'.repeat(32))).to.equal(undefined);
    expect((await listing(t)).builds).to.deep.equal([]);
  });

  it('never offers from a digest that more than one stored file has (a signed image re-signed, say)', async () => {
    t = await startTestServer({ delta: { bases: 0 } });
    const v1 = release('1.0.0');
    // The same image with a signature sector: another file, the same appended SHA-256.
    const signed = release('1.0.0', { signatureBlocks: 1 });
    expect(imageDigest(signed.subarray(0, v1.length))).to.equal(imageDigest(v1));
    const v2 = release('2.0.0');
    await upload(t, 'fw/v1.bin', v1);
    await upload(t, 'fw/v2.bin', v2);
    const made = await make(t, { base: 'fw/v1.bin', target: 'fw/v2.bin' });
    expect(made.status, made.text).to.equal(201);
    const target = await t.storage.catalog.get('fw/v2.bin' as never);
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(v1))?.id).to.equal(
      (JSON.parse(made.text) as Patch).id,
    );
    expect((await listing(t)).patches.map((patch) => patch.offered)).to.deep.equal([true]);
    await upload(t, 'fw/v1-signed.bin', signed);
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(v1))).to.equal(undefined);
    expect(
      (await listing(t)).patches.map((patch) => patch.offered),
      'listed as not offered',
    ).to.deep.equal([false]);
    // An operator asking for a patch from either file is told why none would be offered.
    for (const base of ['fw/v1.bin', 'fw/v1-signed.bin']) {
      const refused = await make(t, { base, target: 'fw/v2.bin' });
      expect(refused.status, refused.text).to.equal(409);
      expect(JSON.parse(refused.text)).to.include({ code: 'delta-base-ambiguous' });
    }
    // Once the other file is gone, the digest names one file again and its patch is offered.
    expect((await t.client.delete('/files/fw/v1-signed.bin')).status).to.equal(200);
    await t.server.deltas.settled();
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(v1))?.id).to.equal(
      (JSON.parse(made.text) as Patch).id,
    );
  });

  it('POST makes a patch now (201, audited); refuses unknown files, non-images and pairs not smaller; DELETE removes it', async () => {
    t = await startTestServer({ delta: { bases: 0 } });
    const v1 = release('1.0.0');
    const v2 = release('1.1.0');
    // A different build: every filler byte differs, so no patch is smaller than the image.
    const rebuilt = release('2.0.0', { seed: 99 });
    await upload(t, 'fw/v1.bin', v1);
    await upload(t, 'fw/v2.bin', v2);
    await upload(t, 'fw/rebuilt.bin', rebuilt);
    const notImage = await t.client.put('/files/notes.txt?validate=false', 'hello', BIN);
    expect(notImage.status).to.equal(200);

    const made = await make(t, { base: 'fw/v1.bin', target: 'fw/v2.bin' });
    expect(made.status, made.text).to.equal(201);
    const patch = JSON.parse(made.text) as Patch;
    expect(patch).to.include({ basePath: 'fw/v1.bin', baseSha256: sha256(v1), targetSha256: sha256(v2) });

    const problem = async (body: unknown) => {
      const answer = await make(t, body);
      return [answer.status, (JSON.parse(answer.text) as { code: string }).code];
    };
    expect(await problem({ base: 'fw/v1.bin', target: 'fw/none.bin' })).to.deep.equal([404, 'file-not-found']);
    expect(await problem({ base: 'notes.txt', target: 'fw/v2.bin' })).to.deep.equal([400, 'not-an-image']);
    expect(await problem({ base: 'fw/v1.bin', target: '../x' })).to.deep.equal([400, 'invalid-file-path']);
    expect(await problem({ base: 'fw/v1.bin' })).to.deep.equal([400, 'invalid-request']);
    // The problem names the field it is about.
    const missing = JSON.parse((await make(t, { base: 'fw/v1.bin' })).text) as { detail: string };
    expect(missing.detail).to.match(/^target: /);
    expect(await problem({ base: 'fw/v1.bin', target: 'fw/rebuilt.bin' })).to.deep.equal([422, 'delta-not-smaller']);
    const builds = (await listing(t)).builds;
    expect(builds).to.have.length(1);
    expect(builds[0]).to.include({ state: 'not-smaller', basePath: 'fw/v1.bin', targetPath: 'fw/rebuilt.bin' });

    const audited = async () =>
      (
        JSON.parse((await t.client.get('/api/v1/audit?limit=1000')).text) as {
          items: Array<{ action: string; target: string }>;
        }
      ).items
        .filter((record) => record.action.startsWith('delta.'))
        .map((record) => [record.action, record.target]);
    // Only the change that was made is recorded: refusals are not.
    expect(await audited()).to.deep.equal([['delta.make', patch.id]]);

    expect((await t.client.delete(`/api/v1/deltas/${patch.id}`)).status).to.equal(204);
    const again = await t.client.delete(`/api/v1/deltas/${patch.id}`);
    expect([again.status, (JSON.parse(again.text) as { code: string }).code]).to.deep.equal([404, 'delta-not-found']);
    expect((await t.client.delete('/api/v1/deltas/not-an-id')).status).to.equal(404);
    expect(await audited()).to.deep.equal([
      ['delta.make', patch.id],
      ['delta.delete', patch.id],
    ]);
    expect((await listing(t)).patches).to.deep.equal([]);
    // Remembered as removed (not as a failed build), and not built again when a device asks.
    expect((await listing(t)).builds.map((build) => [build.state, build.basePath, build.targetPath])).to.deep.include([
      'removed',
      'fw/v1.bin',
      'fw/v2.bin',
    ]);
    const target = await t.storage.catalog.get('fw/v2.bin' as never);
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(v1))).to.equal(undefined);
    await t.server.deltas.settled();
    expect((await listing(t)).patches).to.deep.equal([]);
  });

  it('removes the patches from or to a file deleted or replaced', async () => {
    t = await startTestServer({ delta: { bases: 2 } });
    await upload(t, 'fw/v1.bin', release('1.0.0'));
    await upload(t, 'fw/v2.bin', release('2.0.0'));
    await upload(t, 'fw/v3.bin', release('3.0.0'));
    await t.server.deltas.settled();
    expect((await listing(t)).patches).to.have.length(3);
    expect((await t.client.delete('/files/fw/v1.bin')).status).to.equal(200);
    await t.server.deltas.settled();
    expect((await listing(t)).patches.map((p) => [p.basePath, p.targetSha256])).to.deep.equal([
      ['fw/v2.bin', sha256(release('3.0.0'))],
    ]);
    await upload(t, 'fw/v3.bin', release('3.0.1'));
    await t.server.deltas.settled();
    const left = (await listing(t)).patches;
    expect(left.map((p) => p.targetSha256)).to.deep.equal([sha256(release('3.0.1'))]);
  });

  it("builds patches to a rollout's target when it starts, from the versions devices run", async () => {
    t = await startTestServer({ delta: { bases: 0 } });
    const v1 = release('1.0.0');
    const v2 = release('2.0.0');
    await upload(t, 'fw/v1.bin', v1);
    await upload(t, 'fw/v2.bin', v2);
    // A device runs 1.0.0 (the inventory learns it from its check).
    await t.client.get('/devices/lamp-1?app_ver=1.0.0', { auth: TEST_DEVICE_CREDENTIAL });
    await t.server.deltas.settled();
    expect((await listing(t)).patches).to.deep.equal([]);
    const created = await t.client.send('/api/v1/rollouts', {
      method: 'POST',
      body: JSON.stringify({ name: 'v2', file: 'fw/v2.bin' }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(created.status, created.text).to.equal(201);
    const id = (JSON.parse(created.text) as { id: string }).id;
    expect((await t.client.send(`/api/v1/rollouts/${id}/start`, { method: 'POST' })).status).to.equal(200);
    await t.server.deltas.settled();
    expect((await listing(t)).patches.map((p) => p.basePath)).to.deep.equal(['fw/v1.bin']);
  });

  it('with FUOTA_DELTA off, makes and offers nothing', async () => {
    t = await startTestServer({ delta: { enabled: false } });
    const v1 = release('1.0.0');
    await upload(t, 'fw/v1.bin', v1);
    await upload(t, 'fw/v2.bin', release('2.0.0'));
    await t.server.deltas.settled();
    const target = await t.storage.catalog.get('fw/v2.bin' as never);
    expect(t.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(v1))).to.equal(undefined);
    await t.server.deltas.settled();
    expect(await listing(t)).to.deep.equal({ patches: [], builds: [] });
    const refused = await make(t, { base: 'fw/v1.bin', target: 'fw/v2.bin' });
    expect(refused.status).to.equal(422);
  });

  it('keeps its patches across a restart on disk (read back from deltas/)', async () => {
    const first = await startTestServer({ storage: 'disk' });
    await upload(first, 'fw/v1.bin', release('1.0.0'));
    await upload(first, 'fw/v2.bin', release('2.0.0'));
    await first.server.deltas.settled();
    const before = (await listing(first)).patches;
    expect(before).to.have.length(1);
    await first.server.stop();
    t = await startTestServer({ storage: 'disk', dataDir: first.dataDir });
    expect((await listing(t)).patches).to.deep.equal(before);
  });

  it('reads at start the appended SHA-256 of images recorded before it was, and then patches from them are offered', async () => {
    const first = await startTestServer({ storage: 'disk', delta: { bases: 0 } });
    const v1 = release('1.0.0');
    await upload(first, 'fw/v1.bin', v1);
    await upload(first, 'fw/v2.bin', release('2.0.0'));
    await first.server.stop();
    // As an earlier release recorded them: no appendedSha256.
    const storage = await openDiskStorage(dataLayout(first.dataDir!));
    for await (const file of storage.catalog.list()) {
      const { appendedSha256: _digest, ...older } = file.image as EspImageInfo;
      await storage.catalog.put({ ...file, image: older });
    }
    await storage.close();
    t = await startTestServer({ storage: 'disk', dataDir: first.dataDir, delta: { bases: 0 } });
    const target = async () => t.storage.catalog.get('fw/v2.bin' as never);
    await eventually(
      async () => (await target())?.image?.appendedSha256 !== undefined,
      'the entries are made good in the background',
    );
    const target0 = await target();
    await eventually(() => {
      void t.server.deltas.settled();
      return t.server.deltas.offerFor(target0!, EDO1_HS8_7, imageDigest(v1)) !== undefined;
    }, 'a device running v1 is offered a patch (built on demand)');
  });

  it('is refused to devices (operator only)', async () => {
    t = await startTestServer();
    const answer = await t.client.get('/api/v1/deltas', { auth: TEST_DEVICE_CREDENTIAL });
    expect(answer.status).to.equal(403);
  });
});
