import { DomainError } from '../../src/domain/domain-error.js';
import { expect } from 'chai';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { InventoryEntry, InventorySighting } from '../../src/domain/fleet/inventory-entry.js';
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

/** A sighting of the entry `inventoryEntry(id)` with one new check; `overrides` changes some fields. */
export function sightingOf(id: string, overrides: Partial<InventorySighting> = {}): InventorySighting {
  const { polls: _polls, tags: _tags, hold: _hold, note: _note, ...fields } = inventoryEntry(id);
  return { ...fields, newPolls: 1, ...overrides };
}

export async function listInventory(store: DeviceInventoryStore): Promise<InventoryEntry[]> {
  const out: InventoryEntry[] = [];
  for await (const entry of store.list()) out.push(entry);
  return out;
}

/**
 * What every DeviceInventoryStore adapter promises. `open` gives a fresh, empty store; `reopen`
 * (durable adapters) closes it and opens what it left behind; `crashCopy` opens a copy of the
 * files as they are on disk now, as a process killed at this instant leaves them; `other`
 * (shared adapters) opens a second store on the same storage, as another server has it.
 */
export function deviceInventoryStoreContract(
  name: string,
  hooks: {
    open: () => Promise<DeviceInventoryStore>;
    reopen?: (store: DeviceInventoryStore) => Promise<DeviceInventoryStore>;
    crashCopy?: () => Promise<DeviceInventoryStore>;
    other?: () => Promise<DeviceInventoryStore>;
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

    it('merges sightings that arrive out of order: counts add up, the latest check sets the check fields', async () => {
      const base = inventoryEntry('a', { lastSeen: 1000, polls: 10, pollIntervalMs: 60_000, lastStatus: 204 });
      await store.putMany([base]);
      // Another server's later checks arrive first, then this one's older ones.
      await store.recordSightings([
        sightingOf('a', { lastSeen: 3000, newPolls: 2, pollIntervalMs: 1000, lastStatus: 200 }),
      ]);
      await store.recordSightings([
        sightingOf('a', { lastSeen: 2000, newPolls: 5, pollIntervalMs: 7, lastStatus: 404, runningVersion: '0.1' }),
      ]);
      expect(await listInventory(store)).to.deep.equal([
        { ...base, lastSeen: 3000, polls: 17, pollIntervalMs: 1000, lastStatus: 200 },
      ]);
    });

    it("records sightings: new entries without operators' fields, existing ones merged, operators' fields kept", async () => {
      await store.putMany([inventoryEntry('old', { lastSeen: 5000, firstSeen: 100, polls: 10 })]);
      const sighting = sightingOf;
      await store.recordSightings([
        sighting('new', { newPolls: 2, image: null, pollIntervalMs: null }),
        // Newer than stored: its check fields win; its earlier first sighting too.
        sighting('old', {
          lastSeen: 6000,
          firstSeen: 50,
          runningVersion: '2.0.0',
          address: '198.51.100.1',
          auth: 'shared',
          newPolls: 3,
        }),
      ]);
      // Older than stored: counted, but the check fields stay the newer ones.
      await store.recordSightings([
        sighting('old', { lastSeen: 5500, firstSeen: 200, runningVersion: '1.9.0', image: null, newPolls: 4 }),
      ]);
      const [newEntry, oldEntry] = await listInventory(store);
      expect(newEntry).to.deep.equal({
        ...inventoryEntry('new', { image: null, pollIntervalMs: null }),
        polls: 2,
        tags: [],
        hold: false,
        note: '',
      });
      expect(oldEntry).to.deep.equal(
        inventoryEntry('old', {
          firstSeen: 50,
          lastSeen: 6000,
          runningVersion: '2.0.0',
          address: '198.51.100.1',
          auth: 'shared',
          polls: 17,
        }),
      );
    });

    it('records sightings in batches larger than one statement holds, an id named twice counted twice', async () => {
      const ids = Array.from({ length: 5_003 }, (_, i) => `s${String(i).padStart(5, '0')}`);
      await store.recordSightings([
        ...ids.map((id) => sightingOf(id)),
        sightingOf('s00007', { newPolls: 2, lastSeen: 1 }),
      ]);
      const listed = await listInventory(store);
      expect(listed).to.have.length(5_003);
      expect(listed.filter((entry) => entry.polls !== 1).map((entry) => [entry.id, entry.polls])).to.deep.equal([
        ['s00007', 3],
      ]);
    });

    it('records poll-only sightings: last seen, polls and interval move, the rest stays as stored', async () => {
      await store.putMany([inventoryEntry('p')]);
      const base = inventoryEntry('p');
      await store.recordSightings([
        sightingOf('p', { lastSeen: base.lastSeen + 60_000, pollIntervalMs: 61_000, newPolls: 2, pollOnly: true }),
      ]);
      // An older check's interval is not taken; its count is.
      await store.recordSightings([
        sightingOf('p', { lastSeen: base.lastSeen + 1, pollIntervalMs: 5, newPolls: 1, pollOnly: true }),
      ]);
      // Named twice in one batch, once with other fields: written whole.
      await store.recordSightings([
        sightingOf('p', { lastSeen: base.lastSeen + 120_000, newPolls: 1, pollOnly: true }),
        sightingOf('p', { lastSeen: base.lastSeen + 120_001, runningVersion: '1.2.4', newPolls: 1 }),
      ]);
      expect(await listInventory(store)).to.deep.equal([
        {
          ...base,
          lastSeen: base.lastSeen + 120_001,
          runningVersion: '1.2.4',
          polls: base.polls + 5,
          pollIntervalMs: 60_000,
        },
      ]);
    });

    it("sets operators' fields only, and answers the entry as stored", async () => {
      await store.putMany([inventoryEntry('a'), inventoryEntry('b')]);
      const changed = await store.updateOperatorFields('a' as DeviceId, () => ({
        tags: ['x', 'y z'],
        hold: false,
        note: "it's",
      }));
      const expected = inventoryEntry('a', { tags: ['x', 'y z'], hold: false, note: "it's" });
      expect(changed).to.deep.equal(expected);
      expect(
        await store.updateOperatorFields('ghost' as DeviceId, () => ({ tags: [], hold: true, note: '' })),
      ).to.equal(undefined);
      expect(await listInventory(store)).to.deep.equal([expected, inventoryEntry('b')]);
      // Only the fields named: another server's change to the others is kept.
      expect(await store.updateOperatorFields('b' as DeviceId, () => ({ hold: false }))).to.deep.equal(
        inventoryEntry('b', { hold: false }),
      );
      expect(await store.updateOperatorFields('b' as DeviceId, () => ({ note: '', tags: [] }))).to.deep.equal(
        inventoryEntry('b', { hold: false, note: '', tags: [] }),
      );
    });

    it("works out an update from the operators' fields as stored, with no other write in between", async () => {
      await store.putMany([inventoryEntry('a', { tags: ['old'] })]);
      // Another server's store where the storage is shared, this one again where it is not.
      const other = hooks.other === undefined ? store : await hooks.other();
      try {
        const added = Array.from({ length: 24 }, (_, i) => `t${String(i).padStart(2, '0')}`);
        await Promise.all(
          added.map((tag, i) =>
            (i % 2 === 0 ? store : other).updateOperatorFields('a' as DeviceId, (stored) => ({
              tags: [...stored.tags, tag].sort(),
            })),
          ),
        );
        expect((await store.getMany(['a' as DeviceId]))[0]?.tags).to.deep.equal(['old', ...added]);
      } finally {
        if (other !== store) await other.close();
      }
    });

    it('gives an update the fields as stored, and writes nothing when it refuses or changes nothing', async () => {
      const entry = inventoryEntry('a', { tags: ['x'], hold: true, note: 'n' });
      await store.putMany([entry]);
      const given: unknown[] = [];
      const unchanged = await store.updateOperatorFields('a' as DeviceId, (stored) => {
        given.push(stored);
        return undefined;
      });
      expect(given).to.deep.equal([{ tags: ['x'], hold: true, note: 'n' }]);
      expect(unchanged).to.deep.equal(entry);
      // A refusal with a code of its own, as the operators' rules throw (PostgreSQL's store took
      // its string code for a lost connection's and answered 503: found by a review).
      const refusal = new DomainError('invalid-request', 'device a would carry 65 tags; at most 64');
      const refused = await store
        .updateOperatorFields('a' as DeviceId, () => {
          throw refusal;
        })
        .catch((error: unknown) => error);
      expect(refused).to.equal(refusal);
      expect(await listInventory(store)).to.deep.equal([entry]);
      // Still usable after a refusal (a transaction, a turn, not left behind).
      expect(await store.updateOperatorFields('a' as DeviceId, () => ({ hold: false }))).to.deep.equal({
        ...entry,
        hold: false,
      });
      let called = false;
      expect(
        await store.updateOperatorFields('ghost' as DeviceId, () => {
          called = true;
          return { note: 'never' };
        }),
      ).to.equal(undefined);
      expect(called, 'update called for an entry that does not exist').to.equal(false);
    });

    it('gets the entries of some ids, and those last seen since a time', async () => {
      await store.putMany([
        inventoryEntry('c', { lastSeen: 300 }),
        inventoryEntry('a', { lastSeen: 100 }),
        inventoryEntry('b', { lastSeen: 200 }),
      ]);
      expect(
        (await store.getMany(['c', 'ghost', 'a', 'c'] as DeviceId[])).map((entry) => [entry.id, entry.lastSeen]),
      ).to.deep.equal([
        ['a', 100],
        ['c', 300],
      ]);
      expect(await store.getMany([])).to.deep.equal([]);
      const seen: InventoryEntry[] = [];
      for await (const entry of store.seenSince(200)) seen.push(entry);
      expect(seen).to.deep.equal([inventoryEntry('b', { lastSeen: 200 }), inventoryEntry('c', { lastSeen: 300 })]);
    });

    it('lists every entry seen since a time across many pages', async () => {
      const ids = Array.from({ length: 2_345 }, (_, i) => `q${String(i).padStart(5, '0')}`);
      await store.putMany(ids.map((id, i) => inventoryEntry(id, { lastSeen: i % 2 === 0 ? 10 : 20 })));
      const seen: string[] = [];
      for await (const entry of store.seenSince(15)) seen.push(entry.id);
      expect(seen).to.deep.equal(ids.filter((_, i) => i % 2 === 1));
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
        await store.recordSightings([
          sightingOf('b', { lastSeen: 1_767_300_000_005, newPolls: 6, pollIntervalMs: 7, lastStatus: 200 }),
        ]);
        await store.updateOperatorFields('c' as DeviceId, () => ({ tags: ['t'], hold: false, note: 'n' }));
        await store.delete('a' as DeviceId);
        store = await reopen(store);
        expect(await listInventory(store)).to.deep.equal([
          inventoryEntry('b', {
            note: 'после',
            tags: [],
            lastSeen: 1_767_300_000_005,
            polls: 48,
            pollIntervalMs: 7,
            lastStatus: 200,
          }),
          inventoryEntry('c', { image: null, tags: ['t'], hold: false, note: 'n' }),
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

      it('replays poll-only sightings after a crash to what was read before it', async () => {
        // sql.js applies these row by row but journals them as one statement each: replay must agree.
        const ids = Array.from({ length: 5_002 }, (_, i) => `q${String(i).padStart(5, '0')}`);
        const base = inventoryEntry('q');
        await store.putMany(ids.map((id) => ({ ...base, id: id as DeviceId })));
        await store.recordSightings(
          ids.map((id, i) =>
            sightingOf(id, {
              lastSeen: base.lastSeen + (i % 3 === 0 ? -5 : 90_000 + i),
              pollIntervalMs: i % 7 === 0 ? null : 60_000 + i,
              newPolls: 1 + (i % 4),
              pollOnly: true,
            }),
          ),
        );
        const before = await listInventory(store);
        expect(before.filter((entry) => entry.lastSeen === base.lastSeen)).to.have.length(1_668);
        expect(before.find((entry) => entry.id === 'q00001')).to.deep.include({
          lastSeen: base.lastSeen + 90_001,
          pollIntervalMs: 60_001,
          polls: base.polls + 2,
        });
        const survivor = await crashCopy();
        try {
          expect(await listInventory(survivor)).to.deep.equal(before);
        } finally {
          await survivor.close();
        }
      });
    }
  });
}
