import { expect } from 'chai';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { UpdateAttempt } from '../../src/domain/fleet/update-attempt.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import type { UpdateAttemptStore } from '../../src/ports/update-attempt-store.port.js';

/** An attempt with every field set; `overrides` changes some. Ids sort in offer order. */
export function updateAttempt(id: string, deviceId: string, overrides: Partial<UpdateAttempt> = {}): UpdateAttempt {
  return {
    id,
    deviceId: deviceId as DeviceId,
    file: 'fw/blink-2.0.bin' as UpdateFilePath,
    fileSize: 1_048_576,
    version: '2.0',
    fromVersion: '1.9',
    state: 'downloading',
    offeredAt: 1_767_225_600_000,
    updatedAt: 1_767_225_600_500,
    attribution: 'inferred',
    downloads: 3,
    served: [
      [0, 4096],
      [8192, 65_536],
    ],
    provisionalAt: 1_767_225_700_000,
    pollsSinceProvisional: 2,
    downloadedAt: 1_767_225_650_000,
    rollout: { id: 'spring-2027_a', wave: 2 },
    offeredAs: 'patch',
    downloadedAs: 'patch',
    patchSize: 70_000,
    patchId: `${'b'.repeat(64)}.${'a'.repeat(64)}.edo1-hs8-7`,
    offerAddress: '::ffff:192.0.2.7',
    ...overrides,
  };
}

/** An attempt offered and downloaded as the full file (the default one is a patch's). */
const FULL_DOWNLOAD: Partial<UpdateAttempt> = {
  offeredAs: 'full',
  downloadedAs: 'full',
  patchSize: null,
  patchId: null,
};

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const ids = (attempts: readonly UpdateAttempt[]): string[] => attempts.map((attempt) => attempt.id);

/**
 * What every UpdateAttemptStore adapter promises. `open` gives a fresh, empty store; `reopen`
 * (durable adapters) closes it and opens what it left behind; `crashCopy` opens a copy of the
 * files as they are on disk now, as a process killed at this instant leaves them.
 */
export function updateAttemptStoreContract(
  name: string,
  hooks: {
    open: () => Promise<UpdateAttemptStore>;
    reopen?: (store: UpdateAttemptStore) => Promise<UpdateAttemptStore>;
    crashCopy?: () => Promise<UpdateAttemptStore>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`UpdateAttemptStore contract: ${name}`, () => {
    let store: UpdateAttemptStore;

    beforeEach(async () => {
      store = await hooks.open();
    });

    afterEach(async () => {
      await store.close();
      await hooks.cleanup?.();
    });

    it('starts empty', async () => {
      expect(await collect(store.recent(5))).to.deep.equal([]);
      expect(await store.forDevice('nobody' as DeviceId, 5)).to.deep.equal([]);
    });

    it('reads back every field as written, null values and no spans included', async () => {
      const full = updateAttempt('0001', 'd1');
      const fresh = updateAttempt('0002', 'd1', {
        version: null,
        state: 'offered',
        attribution: null,
        downloads: 0,
        served: [],
        provisionalAt: null,
        pollsSinceProvisional: 0,
        downloadedAt: null,
        rollout: null,
        offeredAs: 'full',
        downloadedAs: null,
        patchSize: null,
        patchId: null,
        offerAddress: null,
        file: "fw/it's ünïcode.bin" as UpdateFilePath,
      });
      await store.putMany([full, fresh]);
      expect(await store.forDevice('d1' as DeviceId, 10)).to.deep.equal([fresh, full]);
    });

    it("lists a rollout's attempts, every device's, ascending by id, and none of a device row's offer", async () => {
      const r1 = (wave: number) => ({ rollout: { id: 'r1', wave } });
      await store.putMany([
        updateAttempt('0005', 'b', r1(1)),
        updateAttempt('0001', 'a', r1(0)),
        updateAttempt('0002', 'b', { rollout: null }),
        updateAttempt('0003', 'c', { rollout: { id: 'r2', wave: 0 } }),
        updateAttempt('0004', 'a', r1(1)),
        updateAttempt('0006', "d' OR '1'='1", r1(3)),
      ]);
      expect(await store.forRollout('r1')).to.deep.equal([
        updateAttempt('0001', 'a', r1(0)),
        updateAttempt('0004', 'a', r1(1)),
        updateAttempt('0005', 'b', r1(1)),
        updateAttempt('0006', "d' OR '1'='1", r1(3)),
      ]);
      expect(ids(await store.forRollout('r2'))).to.deep.equal(['0003']);
      expect(await store.forRollout('nobody')).to.deep.equal([]);
      // A replaced attempt is found under its rollout as it is now; a deleted device's are gone.
      await store.putMany([updateAttempt('0004', 'a', { rollout: { id: 'r2', wave: 1 }, state: 'succeeded' })]);
      await store.deleteDevice("d' OR '1'='1" as DeviceId);
      expect(ids(await store.forRollout('r1'))).to.deep.equal(['0001', '0005']);
      expect(await store.forRollout('r2')).to.deep.equal([
        updateAttempt('0003', 'c', { rollout: { id: 'r2', wave: 0 } }),
        updateAttempt('0004', 'a', { rollout: { id: 'r2', wave: 1 }, state: 'succeeded' }),
      ]);
    });

    it("tells a rollout's load as stored: newest in-flight attempts heard of lately, and offers of the last minute", async () => {
      const at = 1_800_000_000_000;
      const staleMs = 3_600_000;
      const mine = { id: 'r1', wave: 0 };
      await store.putMany([
        // In flight and current: counted.
        updateAttempt('a-001', 'a', {
          rollout: mine,
          state: 'offered',
          offeredAt: at - 10_000,
          updatedAt: at - 10_000,
        }),
        updateAttempt('b-001', 'b', {
          rollout: mine,
          state: 'downloaded',
          offeredAt: at - 120_000,
          updatedAt: at - 1_000,
        }),
        // Superseded by a newer attempt of its device (a device row's offer): not in flight any more.
        updateAttempt('c-001', 'c', {
          rollout: mine,
          state: 'downloading',
          offeredAt: at - 30_000,
          updatedAt: at - 5_000,
        }),
        updateAttempt('c-002', 'c', { rollout: null, state: 'offered', offeredAt: at - 1_000, updatedAt: at - 1_000 }),
        // Not heard of for longer than staleMs: holds no slot.
        updateAttempt('d-001', 'd', {
          rollout: mine,
          state: 'offered',
          offeredAt: at - staleMs - 1,
          updatedAt: at - staleMs - 1,
        }),
        // Resolved: no slot, but its offer was within the minute.
        updateAttempt('e-001', 'e', {
          rollout: mine,
          state: 'rolled-back',
          offeredAt: at - 59_999,
          updatedAt: at - 100,
        }),
        // Another rollout's.
        updateAttempt('f-001', 'f', {
          rollout: { id: 'r2', wave: 0 },
          state: 'offered',
          offeredAt: at - 1,
          updatedAt: at - 1,
        }),
      ]);
      const load = await store.rolloutLoad('r1', at, staleMs);
      expect(load.inFlight).to.equal(2);
      expect([...load.recentOffers]).to.deep.equal([at - 59_999, at - 30_000, at - 10_000]);
      expect(await store.rolloutLoad('nothing', at, staleMs)).to.deep.equal({ inFlight: 0, recentOffers: [] });
    });

    it("prunes a rollout's attempts like any other, and forRollout no longer finds them", async () => {
      const r1 = { rollout: { id: 'r1', wave: 0 } };
      await store.putMany([
        updateAttempt('0001', 'a', { ...r1, updatedAt: 100 }),
        updateAttempt('0002', 'a', { ...r1, updatedAt: 5000 }),
        updateAttempt('0003', 'b', { ...r1, updatedAt: 100 }),
        updateAttempt('0004', 'c', { rollout: null, updatedAt: 100 }),
        updateAttempt('0005', 'c', { ...r1, updatedAt: 100 }),
      ]);
      expect(await store.pruneBefore(1000)).to.equal(2);
      expect(ids(await store.forRollout('r1'))).to.deep.equal(['0002', '0003', '0005']);
      expect(await store.pruneBefore(10_000, 0)).to.equal(0);
    });

    it('finds the attempts not ended of one file or one patch offered to one address, updated since a time, each its device\u2019s newest', async () => {
      const file = 'fw/lamp-2.0.bin' as UpdateFilePath;
      const patchId = `${'c'.repeat(64)}.${'d'.repeat(64)}.edo1-hs8-7`;
      const since = 1_767_225_600_000;
      const address = '::ffff:192.0.2.7';
      const open = (id: string, device: string, overrides: Partial<UpdateAttempt> = {}) =>
        updateAttempt(id, device, {
          file,
          state: 'offered',
          updatedAt: since,
          patchId: null,
          offeredAs: 'full',
          patchSize: null,
          offerAddress: address,
          ...overrides,
        });
      const wanted = [
        open('0001', 'd1'),
        open('0002', 'd2', { state: 'downloading', updatedAt: since + 5 }),
        open('0003', 'd3', { state: 'silent' }),
      ];
      await store.putMany([
        ...wanted,
        open('0004', 'd4', { updatedAt: since - 1 }), // too old
        open('0005', 'd5', { state: 'succeeded' }), // ended
        open('0006', 'd6', { state: 'download-failed' }),
        open('0007', 'd7', { file: 'fw/other.bin' as UpdateFilePath }),
        open('0008', 'd8'),
        open('0009', 'd8', { file: 'fw/other.bin' as UpdateFilePath }), // d8 has moved on
        open('0010', 'd9', { patchId, offeredAs: 'patch', patchSize: 1000 }),
        open('0011', 'd10', { offerAddress: '192.0.2.8' }), // offered to another address
        open('0012', 'd11', { offerAddress: null }), // stored before addresses were kept
      ]);
      const ids = (attempts: UpdateAttempt[]) => attempts.map((attempt) => attempt.id).sort();
      const found = await store.openOffers({ file }, address, since);
      expect(ids(found)).to.deep.equal(['0001', '0002', '0003', '0010']);
      expect(found.find((attempt) => attempt.id === '0002')).to.deep.equal(wanted[1]);
      expect(ids(await store.openOffers({ file }, '192.0.2.8', since))).to.deep.equal(['0011']);
      expect(ids(await store.openOffers({ patchId }, address, since))).to.deep.equal(['0010']);
      expect(await store.openOffers({ patchId: 'none' }, address, since)).to.deep.equal([]);
      expect(ids(await store.openOffers({ file }, address, since + 1))).to.deep.equal(['0002']);
    });

    it('replaces attempts with the same id and keeps the others', async () => {
      await store.putMany([updateAttempt('0001', 'd1'), updateAttempt('0002', 'd1')]);
      const done = updateAttempt('0001', 'd1', { state: 'succeeded', updatedAt: 1_767_300_000_000, served: [[0, 9]] });
      await store.putMany([done]);
      expect(await store.forDevice('d1' as DeviceId, 10)).to.deep.equal([updateAttempt('0002', 'd1'), done]);
    });

    it('replaces an attempt with replaceIf only while it is stored as the caller read it', async () => {
      const read = updateAttempt('0001', 'd1', { state: 'downloading', attribution: null, provisionalAt: null });
      await store.putMany([read, updateAttempt('0002', 'd2')]);
      const next = { ...read, state: 'downloaded' as const, served: [[0, 1_048_576]] as const, downloads: 4 };
      expect(await store.replaceIf(next, read)).to.equal(true);
      expect(await store.forDevice('d1' as DeviceId, 1)).to.deep.equal([next]);
      // Another server wrote it since `read` (more bytes, a later time): nothing is replaced.
      const elsewhere = { ...read, served: [[0, 500_000]] as const, updatedAt: read.updatedAt + 1 };
      await store.putMany([elsewhere]);
      for (const moved of [
        { state: 'offered' as const },
        { downloads: 2 },
        { served: [[0, 4096]] as const },
        { updatedAt: read.updatedAt + 2 },
      ]) {
        expect(await store.replaceIf(next, { ...elsewhere, ...moved }), JSON.stringify(moved)).to.equal(false);
      }
      expect(await store.replaceIf(next, read)).to.equal(false);
      expect(await store.forDevice('d1' as DeviceId, 1)).to.deep.equal([elsewhere]);
      // Not stored at all, or another attempt's id: nothing.
      expect(await store.replaceIf(updateAttempt('0009', 'd1'), updateAttempt('0009', 'd1'))).to.equal(false);
      expect(await store.replaceIf({ ...next, id: '0002' }, elsewhere)).to.equal(false);
      expect(await store.forDevice('d2' as DeviceId, 1)).to.deep.equal([updateAttempt('0002', 'd2')]);
      expect(await store.forDevice('d1' as DeviceId, 10)).to.deep.equal([elsewhere]);
      if (hooks.reopen === undefined) return;
      expect(await store.replaceIf(next, elsewhere)).to.equal(true);
      store = await hooks.reopen(store);
      expect(await store.forDevice('d1' as DeviceId, 1)).to.deep.equal([next]);
    });

    it("answers one device's newest attempts, newest first, at most the limit", async () => {
      await store.putMany([
        updateAttempt('0003', 'd1'),
        updateAttempt('0001', 'd1'),
        updateAttempt('0002', 'd2'),
        updateAttempt('0004', 'd1'),
      ]);
      expect(ids(await store.forDevice('d1' as DeviceId, 10))).to.deep.equal(['0004', '0003', '0001']);
      expect(ids(await store.forDevice('d1' as DeviceId, 2))).to.deep.equal(['0004', '0003']);
      expect(ids(await store.forDevice('d2' as DeviceId, 2))).to.deep.equal(['0002']);
    });

    it("gives every device's newest attempts, devices ascending and newest first within one", async () => {
      await store.putMany([
        updateAttempt('0001', 'b'),
        updateAttempt('0002', 'a'),
        updateAttempt('0003', 'b'),
        updateAttempt('0004', 'c'),
        updateAttempt('0005', 'b'),
        updateAttempt('0006', 'a'),
      ]);
      const recent = await collect(store.recent(2));
      expect(recent.map((attempt) => `${attempt.deviceId}:${attempt.id}`)).to.deep.equal([
        'a:0006',
        'a:0002',
        'b:0005',
        'b:0003',
        'c:0004',
      ]);
      expect(ids(await collect(store.recent(1)))).to.deep.equal(['0006', '0005', '0004']);
      expect(recent[0]).to.deep.equal(updateAttempt('0006', 'a'));
    });

    it('gives every device once across many batches', async () => {
      const devices = Array.from({ length: 2500 }, (_, i) => `dev-${String(i).padStart(5, '0')}`);
      await store.putMany(
        devices.flatMap((device, i) => [
          updateAttempt(`a-${String(i).padStart(5, '0')}`, device),
          updateAttempt(`b-${String(i).padStart(5, '0')}`, device),
        ]),
      );
      const recent = await collect(store.recent(1));
      expect(recent.map((attempt) => attempt.deviceId)).to.deep.equal(devices);
      expect(recent.every((attempt) => attempt.id.startsWith('b-'))).to.equal(true);
      expect(await collect(store.recent(3))).to.have.length(5000);
    });

    it('writes a batch larger than one statement holds', async () => {
      const attempts = Array.from({ length: 12_345 }, (_, i) => updateAttempt(String(i).padStart(6, '0'), `d${i % 7}`));
      await store.putMany(attempts);
      expect(await collect(store.recent(100_000))).to.have.length(12_345);
      expect((await store.forDevice('d0' as DeviceId, 1))[0]).to.deep.equal(attempts[12_341]);
    });

    it('deletes every attempt of one device and says how many there were', async () => {
      await store.putMany([
        updateAttempt('0001', 'd1'),
        updateAttempt('0002', 'd1'),
        updateAttempt('0003', 'd2'),
        updateAttempt('0004', "d1' OR '1'='1"),
      ]);
      expect(await store.deleteDevice('d1' as DeviceId)).to.equal(2);
      expect(await store.deleteDevice('d1' as DeviceId)).to.equal(0);
      expect(await store.deleteDevice('nobody' as DeviceId)).to.equal(0);
      expect(ids(await collect(store.recent(10)))).to.deep.equal(['0004', '0003']);
    });

    it("prunes attempts last updated before the cutoff, but never a device's newest", async () => {
      await store.putMany([
        updateAttempt('0001', 'old', { updatedAt: 100 }),
        updateAttempt('0002', 'old', { updatedAt: 200 }),
        updateAttempt('0003', 'mixed', { updatedAt: 100 }),
        updateAttempt('0004', 'mixed', { updatedAt: 5000 }),
        updateAttempt('0005', 'mixed', { updatedAt: 150 }),
        updateAttempt('0006', 'fresh', { updatedAt: 5000 }),
        updateAttempt('0007', 'fresh', { updatedAt: 6000 }),
        updateAttempt('0008', 'edge', { updatedAt: 999 }),
        updateAttempt('0009', 'edge', { updatedAt: 1000 }),
        updateAttempt('0010', 'edge', { updatedAt: 1000 }),
      ]);
      expect(await store.pruneBefore(1000)).to.equal(3);
      expect(ids(await collect(store.recent(10)))).to.deep.equal([
        '0010',
        '0009',
        '0007',
        '0006',
        '0005',
        '0004',
        '0002',
      ]);
      expect(await store.pruneBefore(1000)).to.equal(0);
    });

    it('keeps at most keepPerDevice attempts of a device, the newest, however recent the others', async () => {
      await store.putMany([
        ...Array.from({ length: 7 }, (_, i) => updateAttempt(`00${i}`, 'looping', { updatedAt: 5000 + i })),
        updateAttempt('0100', 'calm', { updatedAt: 5000 }),
        updateAttempt('0101', 'calm', { updatedAt: 5001 }),
      ]);
      expect(await store.pruneBefore(1000, 3)).to.equal(4);
      expect(ids(await collect(store.recent(10)))).to.deep.equal(['0101', '0100', '006', '005', '004']);
      expect(await store.pruneBefore(1000, 3)).to.equal(0);
      expect(await store.pruneBefore(1000, 0)).to.equal(3);
      expect(ids(await collect(store.recent(10)))).to.deep.equal(['0101', '006']);
    });

    it('prunes more attempts than one chunk holds', async () => {
      const attempts = Array.from({ length: 12_000 }, (_, i) =>
        updateAttempt(String(i).padStart(6, '0'), `d${i % 40}`, { updatedAt: i < 11_000 ? 10 : 99_999 }),
      );
      await store.putMany(attempts);
      expect(await store.pruneBefore(50)).to.equal(11_000);
      const left = await collect(store.recent(1000));
      expect(left).to.have.length(1000);
      expect(ids(left).every((id) => Number(id) >= 11_000)).to.equal(true);
    });

    it('keeps what it stored when callers change their objects', async () => {
      const served: [number, number][] = [[0, 10]];
      await store.putMany([updateAttempt('0001', 'd1', { served })]);
      served.push([20, 30]);
      const [read] = await store.forDevice('d1' as DeviceId, 1);
      (read?.served as [number, number][]).push([40, 50]);
      (read?.rollout as { wave: number }).wave = 99;
      const [ofRollout] = await store.forRollout('spring-2027_a');
      (ofRollout?.rollout as { wave: number }).wave = 98;
      expect(await store.forDevice('d1' as DeviceId, 1)).to.deep.equal([
        updateAttempt('0001', 'd1', { served: [[0, 10]] }),
      ]);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('finds every acknowledged write after close and reopen', async () => {
        await store.putMany([updateAttempt('0001', 'a', { updatedAt: 1 }), updateAttempt('0002', 'a')]);
        await store.putMany([updateAttempt('0003', 'b'), updateAttempt('0002', 'a', { state: 'provisional' })]);
        await store.putMany([updateAttempt('0004', 'c')]);
        await store.putMany([
          updateAttempt('0005', 'd', { rollout: null }),
          updateAttempt('0006', 'e', { rollout: { id: 'r9', wave: 0 } }),
          updateAttempt('0007', 'f', FULL_DOWNLOAD),
        ]);
        await store.deleteDevice('c' as DeviceId);
        expect(await store.pruneBefore(2)).to.equal(1);
        store = await reopen(store);
        expect(await collect(store.recent(10))).to.deep.equal([
          updateAttempt('0002', 'a', { state: 'provisional' }),
          updateAttempt('0003', 'b'),
          updateAttempt('0005', 'd', { rollout: null }),
          updateAttempt('0006', 'e', { rollout: { id: 'r9', wave: 0 } }),
          updateAttempt('0007', 'f', FULL_DOWNLOAD),
        ]);
        expect(ids(await store.forRollout('spring-2027_a'))).to.deep.equal(['0002', '0003', '0007']);
        expect(ids(await store.forRollout('r9'))).to.deep.equal(['0006']);
      });
    }

    if (hooks.crashCopy !== undefined) {
      const crashCopy = hooks.crashCopy;
      it('has every acknowledged write on disk at the moment of acknowledgement (crash-like reopen)', async () => {
        await store.putMany([updateAttempt('0001', 'a', { updatedAt: 1 }), updateAttempt('0002', 'a')]);
        await store.putMany([updateAttempt('0003', 'b', { served: [] })]);
        await store.pruneBefore(2);
        const survivor = await crashCopy();
        try {
          expect(await collect(survivor.recent(10))).to.deep.equal([
            updateAttempt('0002', 'a'),
            updateAttempt('0003', 'b', { served: [] }),
          ]);
        } finally {
          await survivor.close();
        }
      });
    }
  });
}
