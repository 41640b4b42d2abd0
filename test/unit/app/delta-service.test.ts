import { expect } from 'chai';
import { BlobDeltaPatchStore } from '../../../src/adapters/outbound/delta/blob-delta-patch-store.js';
import { WorkerDeltaPatchBuilder } from '../../../src/adapters/outbound/delta/worker-delta-patch-builder.js';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../../src/adapters/outbound/crypto/node-signature-verifier.js';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryChangeBus } from '../../../src/adapters/outbound/memory/in-memory-change-bus.js';
import { InMemoryUpdateFileCatalog } from '../../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import { chooseBases } from '../../../src/app/delta/delta-base-choice.js';
import { DELTA_RETRY_AFTER_MS, DeltaService } from '../../../src/app/delta/delta-service.js';
import { DEFAULT_DELTA_SETTINGS } from '../../../src/app/delta/delta-settings.js';
import type { DeltaSettings } from '../../../src/app/delta/delta-settings.js';
import { inspectImage } from '../../../src/app/firmware/image-inspection.js';
import { EDO1_HS8_7 } from '../../../src/domain/delta/delta-format.js';
import { makeDeltaPatch } from '../../../src/domain/delta/delta-patch.js';
import type { InventoryEntry } from '../../../src/domain/fleet/inventory-entry.js';
import type { UpdateFile } from '../../../src/domain/update-file.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import { imageDigest, release, sha256 } from '../../support/delta-images.js';
import { RecordingLogger } from '../../support/test-server.js';

/** A stored file's catalog entry, as an upload records it (image facts read by the real parser). */
async function entryOf(path: string, bytes: Buffer, storedAt: string): Promise<UpdateFile> {
  const { inspection, content } = inspectImage(
    (async function* () {
      yield bytes;
    })(),
    false,
    nodeSha256,
    nodeSignatureVerifier,
  );
  for await (const _chunk of content);
  const image = (await inspection).image;
  return { path: path as UpdateFilePath, size: bytes.length, sha256: sha256(bytes), modifiedAtMs: 0, storedAt, image };
}

/** One server's delta service over in-memory storage, its fleet a fixed list of files and devices. */
class Bench {
  readonly files = new InMemoryBlobStore();
  readonly patches = new BlobDeltaPatchStore(new InMemoryBlobStore());
  readonly catalog = new InMemoryUpdateFileCatalog();
  readonly logger = new RecordingLogger();
  entries: InventoryEntry[] = [];
  /** The service's clock (epoch ms). */
  now = 1_000;
  private stored: UpdateFile[] = [];
  private readonly watchers = new Set<(files: readonly UpdateFile[]) => void>();
  service!: DeltaService;

  async start(
    settings: Partial<DeltaSettings> = {},
    limits: { buildTimeoutMs?: number; buildMemoryMiB?: number } = {},
  ): Promise<this> {
    this.service = await DeltaService.open(
      {
        files: this.files,
        patches: this.patches,
        catalog: this.catalog,
        builder: new WorkerDeltaPatchBuilder({
          buildTimeoutMs: 30_000,
          buildMemoryMiB: 256,
          concurrency: 1,
          ...limits,
        }),
        feed: new InMemoryChangeBus().feed(),
        fleet: {
          watchImages: (listener) => {
            this.watchers.add(listener);
            listener(this.stored);
            return () => this.watchers.delete(listener);
          },
          values: () => this.entries.values(),
        },
        sha256: nodeSha256,
        logger: this.logger,
        now: () => this.now,
      },
      { ...DEFAULT_DELTA_SETTINGS, ...settings },
    );
    return this;
  }

  async store(path: string, bytes: Buffer, storedAt = new Date().toISOString()): Promise<UpdateFile> {
    await (
      await this.files.put(
        path as UpdateFilePath,
        (async function* () {
          yield bytes;
        })(),
        { maxBytes: 1 << 24 },
      )
    ).settle();
    const entry = await entryOf(path, bytes, storedAt);
    await this.catalog.put(entry);
    this.stored = [...this.stored.filter((file) => file.path !== entry.path), entry];
    for (const watcher of this.watchers) watcher(this.stored);
    return entry;
  }
}

describe('DeltaService', () => {
  let bench: Bench;
  afterEach(async () => {
    await bench?.service.close();
  });

  it('builds a pair a device asks for once, however often it asks, and then offers it', async () => {
    bench = await new Bench().start();
    const v1 = release('1.0.0');
    await bench.store('fw/v1.bin', v1);
    const target = await bench.store('fw/v2.bin', release('2.0.0'));
    for (let i = 0; i < 5; i++) expect(bench.service.offerFor(target, EDO1_HS8_7, imageDigest(v1))).to.equal(undefined);
    await bench.service.settled();
    expect(bench.service.offerFor(target, EDO1_HS8_7, imageDigest(v1))).to.include({
      baseSha256: sha256(v1),
      targetSha256: target.sha256,
      targetSize: target.size,
    });
    expect([...bench.service.buildCounts()]).to.deep.equal([['stored', 1]]);
  });

  it('remembers a pair whose patch was not smaller and does not build it again on the next checks', async () => {
    bench = await new Bench().start();
    const v1 = release('1.0.0');
    await bench.store('fw/v1.bin', v1);
    const target = await bench.store('fw/other.bin', release('2.0.0', { seed: 5 }));
    bench.service.offerFor(target, EDO1_HS8_7, imageDigest(v1));
    await bench.service.settled();
    bench.service.offerFor(target, EDO1_HS8_7, imageDigest(v1));
    await bench.service.settled();
    expect([...bench.service.buildCounts()]).to.deep.equal([['not-smaller', 1]]);
    expect(bench.service.buildStates().map((state) => state.state)).to.deep.equal(['not-smaller']);
  });

  it("refuses to offer a stored patch whose header names another base digest than the device's (signed images)", async () => {
    bench = new Bench();
    const v1 = release('1.0.0');
    const v2 = release('2.0.0');
    const base = await bench.store('fw/v1.bin', v1);
    const target = await bench.store('fw/v2.bin', v2);
    // A patch keyed by the base file's SHA-256, but made with another image digest in its header.
    const id = `${target.sha256}.${base.sha256}.${EDO1_HS8_7}`;
    await bench.patches.put(id, makeDeltaPatch(v1, v2, Buffer.alloc(32, 7)));
    await bench.start();
    expect(bench.service.list().map((patch) => [patch.id, patch.baseImageSha256])).to.deep.equal([
      [id, '07'.repeat(32)],
    ]);
    expect(bench.service.offerFor(target, EDO1_HS8_7, imageDigest(v1))).to.equal(undefined);
    // The same bytes with the right digest are offered.
    await bench.patches.put(id, makeDeltaPatch(v1, v2, Buffer.from(imageDigest(v1), 'hex')));
    await bench.service.close();
    await bench.start();
    expect(bench.service.offerFor(target, EDO1_HS8_7, imageDigest(v1))?.id).to.equal(id);
  });

  it('builds a pair that failed for a passing cause (its time limit) again only when asked an hour later', async () => {
    bench = await new Bench().start({}, { buildTimeoutMs: 1 });
    const v1 = release('1.0.0');
    await bench.store('fw/v1.bin', v1);
    const target = await bench.store('fw/v2.bin', release('2.0.0'));
    const ask = async () => {
      bench.service.offerFor(target, EDO1_HS8_7, imageDigest(v1));
      await bench.service.settled();
      return bench.service.buildCounts().get('failed') ?? 0;
    };
    expect(await ask()).to.equal(1);
    expect(bench.service.buildStates()[0]?.detail).to.match(/^timeout/);
    bench.now += DELTA_RETRY_AFTER_MS - 1;
    expect(await ask(), 'asked again within the hour').to.equal(1);
    bench.now += 1;
    expect(await ask(), 'asked an hour after the failure').to.equal(2);
  });

  it('never builds again, when asked, a pair refused for its size', async () => {
    bench = await new Bench().start({}, { buildMemoryMiB: 1 });
    const v1 = release('1.0.0');
    await bench.store('fw/v1.bin', v1);
    const target = await bench.store('fw/v2.bin', release('2.0.0'));
    for (let i = 0; i < 2; i++) {
      bench.service.offerFor(target, EDO1_HS8_7, imageDigest(v1));
      await bench.service.settled();
      bench.now += 2 * DELTA_RETRY_AFTER_MS;
    }
    expect([...bench.service.buildCounts()]).to.deep.equal([['failed', 1]]);
    expect(bench.service.buildStates()[0]?.detail).to.match(/^too-large/);
  });

  it("opens a stored patch missing from its index (another server's, not yet listed), with the stored bytes' size", async () => {
    bench = await new Bench().start();
    const v1 = release('1.0.0');
    const v2 = release('2.0.0');
    const base = await bench.store('fw/v1.bin', v1);
    const target = await bench.store('fw/v2.bin', v2);
    const id = `${target.sha256}.${base.sha256}.${EDO1_HS8_7}`;
    const bytes = makeDeltaPatch(v1, v2, Buffer.from(imageDigest(v1), 'hex'));
    await bench.patches.put(id, bytes);
    expect(bench.service.list()).to.deep.equal([]);
    const opened = await bench.service.open(id);
    expect(opened?.patch).to.include({
      id,
      size: bytes.length,
      targetSize: v2.length,
      baseImageSha256: imageDigest(v1),
    });
    await opened?.blob.release();
    // An id between files this server does not know is not looked up.
    expect(await bench.service.open(`${'ab'.repeat(32)}.${base.sha256}.${EDO1_HS8_7}`)).to.equal(undefined);
  });

  it('lists a stored patch over a lowered FUOTA_DELTA_MAX_RATIO as not offered, and make answers delta-not-smaller', async () => {
    bench = await new Bench().start();
    const v1 = release('1.0.0');
    await bench.store('fw/v1.bin', v1);
    const target = await bench.store('fw/v2.bin', release('2.0.0'));
    const made = await bench.service.make('fw/v1.bin' as UpdateFilePath, 'fw/v2.bin' as UpdateFilePath);
    expect(made.offered).to.equal(true);
    await bench.service.close();
    await bench.start({ maxRatio: made.ratio / 2 });
    expect(bench.service.list().map((patch) => [patch.id, patch.offered])).to.deep.equal([[made.id, false]]);
    expect(bench.service.offerFor(target, EDO1_HS8_7, imageDigest(v1))).to.equal(undefined);
    const refused = await bench.service
      .make('fw/v1.bin' as UpdateFilePath, 'fw/v2.bin' as UpdateFilePath)
      .catch((error: unknown) => error);
    expect(refused).to.include({ code: 'delta-not-smaller' });
    expect((refused as Error).message).to.match(/the stored patch .* not offered/);
  });

  it('removes a stored patch whose target file is gone (not offered, not yet pruned)', async () => {
    bench = await new Bench().start();
    const v1 = release('1.0.0');
    const base = await bench.store('fw/v1.bin', v1);
    const gone = release('2.0.0');
    const id = `${sha256(gone)}.${base.sha256}.${EDO1_HS8_7}`;
    await bench.patches.put(id, makeDeltaPatch(v1, gone, Buffer.from(imageDigest(v1), 'hex')));
    expect((await bench.service.remove(id)).id).to.equal(id);
    expect(await bench.patches.stat(id)).to.equal(undefined);
    const again = await bench.service.remove(id).catch((error: unknown) => error);
    expect(again).to.include({ code: 'delta-not-found' });
  });

  it('when a rollout starts, builds from the recent versions and from those devices run', async () => {
    bench = await new Bench().start({ bases: 1 });
    const old = release('0.9.0');
    await bench.store('fw/v0.9.bin', old, '2026-01-01T00:00:00.000Z');
    await bench.store('fw/v1.bin', release('1.0.0'), '2026-02-01T00:00:00.000Z');
    const target = await bench.store('fw/v2.bin', release('2.0.0'), '2026-03-01T00:00:00.000Z');
    await bench.service.rolloutStarted(target.path);
    await bench.service.settled();
    expect(bench.service.patchesTo(target.sha256).map((patch) => patch.basePath)).to.deep.equal(['fw/v1.bin']);
    bench.entries = [
      { runningVersion: '0.9.0', image: { project: 'demo', chip: 'esp32', secureVersion: 0 } } as InventoryEntry,
    ];
    await bench.service.rolloutStarted(target.path);
    await bench.service.settled();
    expect(
      bench.service
        .patchesTo(target.sha256)
        .map((patch) => patch.basePath)
        .sort(),
    ).to.deep.equal(['fw/v0.9.bin', 'fw/v1.bin']);
  });
});

describe('chooseBases', () => {
  const file = (path: string, version: string, storedAt: string, extra: Record<string, unknown> = {}): UpdateFile =>
    ({
      path,
      sha256: `${path}-sha`,
      size: 100,
      modifiedAtMs: 0,
      storedAt,
      image: { projectName: 'lamp', chip: 'esp32', version, appendedSha256: `${path}-digest`, ...extra },
    }) as unknown as UpdateFile;

  it('takes the newest other versions of the same project and chip, the running ones, and no ambiguous digest', () => {
    const target = file('v5', '5.0.0', '2026-05');
    const files = [
      file('v1', '1.0.0', '2026-01'),
      file('v2', '2.0.0', '2026-02'),
      file('v3', '3.0.0', '2026-03'),
      file('v4', '4.0.0', '2026-04'),
      file('v4-copy', '4.0.0', '2026-04-02'),
      file('s3', '3.5.0', '2026-04-03', { chip: 'esp32s3' }),
      file('heater', '3.6.0', '2026-04-04', { projectName: 'heater' }),
      file('plain', '3.7.0', '2026-04-05', { appendedSha256: undefined }),
      file('same', '5.0.0', '2026-04-06'),
      file('twin', '2.5.0', '2026-04-07'),
      target,
    ];
    const chosen = chooseBases(target, files, 2, new Set(['1.0.0']), (digest) => digest === 'twin-digest');
    expect(chosen.map((base) => base.path).sort()).to.deep.equal(['v1', 'v3', 'v4', 'v4-copy']);
    expect(chooseBases(target, files, 0, new Set(), () => false)).to.deep.equal([]);
  });
});
