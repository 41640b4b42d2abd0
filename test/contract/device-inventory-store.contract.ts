import { expect } from 'chai';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { InventoryEntry } from '../../src/domain/fleet/inventory-entry.js';
import type { DeviceInventoryStore } from '../../src/ports/device-inventory-store.port.js';

/** An entry with every field set; `overrides` changes some. */
export function inventoryEntry(id: string, overrides: Partial<InventoryEntry> = {}): InventoryEntry {
  return {
    id: id as DeviceId,
    firstSeen: 1_767_225_600_000,
    lastSeen: 1_767_225_660_123,
    runningVersion: '1.2.3',
    image: { project: 'blink', chip: 'esp32s3', secureVersion: 2 },
    address: '192.0.2.7',
    auth: 'device',
    polls: 42,
    pollIntervalMs: 60_000,
    lastStatus: 204,
    tags: ['lab', 'north'],
    hold: true,
    note: 'Flur 2 – Küche ✓ 🔥 "quoted" \'single\'',
    ...overrides,
  };
}

export async function listInventory(store: DeviceInventoryStore): Promise<InventoryEntry[]> {
  const out: InventoryEntry[] = [];
  for await (const entry of store.list()) out.push(entry);
  return out;
}

/**
 * What every DeviceInventoryStore adapter promises. `open` gives a fresh, empty store; `reopen`
 * (durable adapters) closes it and opens what it left behind; `crashCopy` opens a copy of the
 * files as they are on disk now, as a process killed at this instant leaves them.
 */
export function deviceInventoryStoreContract(
  name: string,
  hooks: {
    open: () => Promise<DeviceInventoryStore>;
    reopen?: (store: DeviceInventoryStore) => Promise<DeviceInventoryStore>;
    crashCopy?: () => Promise<DeviceInventoryStore>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`DeviceInventoryStore contract: ${name}`, () => {
    let store: DeviceInventoryStore;

    beforeEach(async () => {
      store = await hooks.open();
    });

    afterEach(async () => {
      await store.close();
      await hooks.cleanup?.();
    });

    it('starts empty', async () => {
      expect(await listInventory(store)).to.deep.equal([]);
    });

    it('reads back every field as written, empty and null values included', async () => {
      const full = inventoryEntry('AA:BB:CC:DD:EE:01');
      const bare = inventoryEntry('AA:BB:CC:DD:EE:02', {
        image: null,
        tags: [],
        pollIntervalMs: null,
        hold: false,
        note: '',
        auth: 'shared',
        polls: 0,
        lastStatus: 404,
        runningVersion: '',
      });
      const certificate = inventoryEntry('AA:BB:CC:DD:EE:03', {
        auth: 'certificate',
        image: { project: "it's", chip: 'esp32', secureVersion: 0 },
        tags: ['ünï', 'x y'],
        lastStatus: 200,
      });
      await store.putMany([full, bare, certificate]);
      expect(await listInventory(store)).to.deep.equal([full, bare, certificate]);
    });

    it('replaces entries with the same id and keeps the others', async () => {
      await store.putMany([inventoryEntry('a'), inventoryEntry('b'), inventoryEntry('c')]);
      const changed = inventoryEntry('b', { polls: 43, tags: ['moved'], hold: false, image: null, note: 'n' });
      await store.putMany([changed, inventoryEntry('d')]);
      expect(await listInventory(store)).to.deep.equal([
        inventoryEntry('a'),
        changed,
        inventoryEntry('c'),
        inventoryEntry('d'),
      ]);
    });

    it('lists every entry once in byte order of id, across many batches', async () => {
      const ids = Array.from({ length: 2500 }, (_, i) => `dev-${String(i).padStart(5, '0')}`);
      await store.putMany(ids.map((id) => inventoryEntry(id, { polls: Number(id.slice(4)) })).reverse());
      await store.putMany([inventoryEntry('Zed'), inventoryEntry('AA:BB')]);
      const listed = await listInventory(store);
      expect(listed.map((entry) => entry.id)).to.deep.equal(['AA:BB', 'Zed', ...ids]);
      expect(listed[1234]?.polls).to.equal(1232);
    });

    it('writes a batch larger than one statement holds', async () => {
      const entries = Array.from({ length: 12_345 }, (_, i) => inventoryEntry(`big-${String(i).padStart(6, '0')}`));
      await store.putMany(entries);
      const listed = await listInventory(store);
      expect(listed).to.have.length(12_345);
      expect(listed.at(-1)).to.deep.equal(entries.at(-1));
    });

    it('deletes one entry only and says whether there was one, even for ids that look like SQL', async () => {
      await store.putMany([inventoryEntry("x' OR '1'='1"), inventoryEntry('a'), inventoryEntry('b')]);
      expect(await store.delete("x' OR '1'='1" as DeviceId)).to.equal(true);
      expect(await store.delete("x' OR '1'='1" as DeviceId)).to.equal(false);
      expect(await store.delete('nobody' as DeviceId)).to.equal(false);
      expect((await listInventory(store)).map((entry) => entry.id)).to.deep.equal(['a', 'b']);
    });

    it('records polls of existing entries, changing only the poll fields, and skips unknown ids', async () => {
      await store.putMany([inventoryEntry('a'), inventoryEntry('b', { pollIntervalMs: null })]);
      await store.recordPolls([
        { id: 'a' as DeviceId, lastSeen: 1_767_300_000_000, polls: 43, pollIntervalMs: null, lastStatus: 200 },
        { id: 'b' as DeviceId, lastSeen: 1_767_300_000_001, polls: 7, pollIntervalMs: 30_000, lastStatus: 404 },
        { id: 'ghost' as DeviceId, lastSeen: 1, polls: 1, pollIntervalMs: null, lastStatus: 204 },
      ]);
      expect(await listInventory(store)).to.deep.equal([
        inventoryEntry('a', { lastSeen: 1_767_300_000_000, polls: 43, pollIntervalMs: null, lastStatus: 200 }),
        inventoryEntry('b', { lastSeen: 1_767_300_000_001, polls: 7, pollIntervalMs: 30_000, lastStatus: 404 }),
      ]);
    });

    it('records polls in batches larger than one statement holds', async () => {
      const ids = Array.from({ length: 12_001 }, (_, i) => `p${String(i).padStart(5, '0')}`);
      await store.putMany(ids.map((id) => inventoryEntry(id)));
      await store.recordPolls(
        ids.map((id, i) => ({
          id: id as DeviceId,
          lastSeen: 2_000_000_000_000 + i,
          polls: i,
          pollIntervalMs: i,
          lastStatus: 204,
        })),
      );
      const listed = await listInventory(store);
      expect(
        listed.map((entry) => [entry.polls, entry.lastSeen - 2_000_000_000_000, entry.pollIntervalMs]),
      ).to.deep.equal(ids.map((_, i) => [i, i, i]));
    });

    it('keeps what it stored when callers change their objects', async () => {
      const tags = ['one'];
      const image = { project: 'p', chip: 'c', secureVersion: 1 };
      await store.putMany([inventoryEntry('a', { tags, image })]);
      tags.push('two');
      image.project = 'changed';
      const [listed] = await listInventory(store);
      (listed?.tags as string[]).push('three');
      expect(await listInventory(store)).to.deep.equal([
        inventoryEntry('a', { tags: ['one'], image: { project: 'p', chip: 'c', secureVersion: 1 } }),
      ]);
    });

    it('keeps every one of many concurrent writes', async () => {
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.putMany([inventoryEntry(`c${i}`, { polls: i })])));
      const listed = await listInventory(store);
      expect(listed).to.have.length(100);
      expect(listed.find((entry) => entry.id === 'c77')?.polls).to.equal(77);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('finds every acknowledged write after close and reopen', async () => {
        await store.putMany([inventoryEntry('a'), inventoryEntry('b'), inventoryEntry('c', { image: null })]);
        await store.putMany([inventoryEntry('b', { note: 'после', tags: [] })]);
        await store.recordPolls([{ id: 'b' as DeviceId, lastSeen: 5, polls: 6, pollIntervalMs: 7, lastStatus: 200 }]);
        await store.delete('a' as DeviceId);
        store = await reopen(store);
        expect(await listInventory(store)).to.deep.equal([
          inventoryEntry('b', { note: 'после', tags: [], lastSeen: 5, polls: 6, pollIntervalMs: 7, lastStatus: 200 }),
          inventoryEntry('c', { image: null }),
        ]);
      });
    }

    if (hooks.crashCopy !== undefined) {
      const crashCopy = hooks.crashCopy;
      it('has every acknowledged write on disk at the moment of acknowledgement (crash-like reopen)', async () => {
        await store.putMany([inventoryEntry('a'), inventoryEntry('b')]);
        await store.putMany([inventoryEntry('a', { polls: 99 })]);
        await store.delete('b' as DeviceId);
        const survivor = await crashCopy();
        try {
          expect(await listInventory(survivor)).to.deep.equal([inventoryEntry('a', { polls: 99 })]);
        } finally {
          await survivor.close();
        }
      });
    }
  });
}
