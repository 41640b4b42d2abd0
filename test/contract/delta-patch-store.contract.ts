import { expect } from 'chai';
import type { DeltaPatchStore } from '../../src/ports/delta-patch-store.port.js';

const sha = (digit: string) => digit.repeat(64);
export const patchId = (target: string, base: string) => `${sha(target)}.${sha(base)}.edo1-hs8-7`;

async function listed(store: DeltaPatchStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of store.list()) ids.push(id);
  return ids.sort();
}

async function readWhole(store: DeltaPatchStore, id: string): Promise<Buffer | undefined> {
  const opened = await store.open(id);
  if (opened === undefined) return undefined;
  const out: Buffer[] = [];
  for await (const chunk of opened.content()) out.push(Buffer.from(chunk));
  return Buffer.concat(out);
}

/**
 * What every DeltaPatchStore promises. `reopen`, when given, closes the store and opens it again
 * on the same storage (a restart): what was stored must still be there.
 */
export function deltaPatchStoreContract(
  name: string,
  hooks: {
    open: () => Promise<{ store: DeltaPatchStore; close: () => Promise<void> }>;
    reopen?: () => Promise<{ store: DeltaPatchStore; close: () => Promise<void> }>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`DeltaPatchStore contract: ${name}`, () => {
    let store: DeltaPatchStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await hooks.open());
    });
    afterEach(async () => {
      await close();
      await hooks.cleanup?.();
    });

    it('stores a patch by id and reads it back whole, by range and by its head; lists and stats it', async () => {
      const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
      const id = patchId('a', 'b');
      const stored = await store.put(id, bytes);
      expect(stored).to.include({ id, size: 5000 });
      expect(await store.stat(id)).to.deep.equal(stored);
      expect((await readWhole(store, id))?.equals(bytes)).to.equal(true);
      expect(Buffer.from((await store.readHead(id, 64)) ?? []).equals(bytes.subarray(0, 64))).to.equal(true);
      expect(Buffer.from((await store.readHead(id, 10_000)) ?? []).equals(bytes)).to.equal(true);
      const opened = await store.open(id);
      const part: Buffer[] = [];
      for await (const chunk of opened!.content({ start: 100, end: 199 })) part.push(Buffer.from(chunk));
      expect(Buffer.concat(part).equals(bytes.subarray(100, 200))).to.equal(true);
      expect(await listed(store)).to.deep.equal([id]);
    });

    it('answers undefined and false for a patch that is not there', async () => {
      const id = patchId('c', 'd');
      expect(await store.stat(id)).to.equal(undefined);
      expect(await store.open(id)).to.equal(undefined);
      expect(await store.readHead(id, 64)).to.equal(undefined);
      expect(await store.delete(id)).to.equal(false);
      expect(await listed(store)).to.deep.equal([]);
    });

    it('replaces a patch stored again under the same id, and deletes it', async () => {
      const id = patchId('e', 'f');
      await store.put(id, Buffer.from('first version'));
      await store.put(id, Buffer.from('second'));
      expect((await readWhole(store, id))?.toString()).to.equal('second');
      expect(await store.delete(id)).to.equal(true);
      expect(await store.stat(id)).to.equal(undefined);
      expect(await listed(store)).to.deep.equal([]);
    });

    it('keeps several patches apart', async () => {
      const ids = [patchId('1', '2'), patchId('1', '3'), patchId('4', '2')];
      for (const [i, id] of ids.entries()) await store.put(id, Buffer.from(`patch ${i}`));
      expect(await listed(store)).to.deep.equal([...ids].sort());
      await store.delete(ids[1]!);
      expect(await listed(store)).to.deep.equal([ids[0], ids[2]].sort());
      expect((await readWhole(store, ids[2]!))?.toString()).to.equal('patch 2');
    });

    it('refuses what is not a patch id, so that no name leaves the store', async () => {
      for (const bad of ['../x', 'fw/app.bin', `${'a'.repeat(64)}.${'b'.repeat(64)}.other`, `${patchId('a', 'b')}/x`]) {
        let caught: unknown;
        try {
          await store.put(bad, Buffer.from('x'));
        } catch (error) {
          caught = error;
        }
        expect(caught, bad).to.have.property('code', 'delta-not-found');
      }
      expect(await listed(store)).to.deep.equal([]);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('keeps its patches through a close and a reopen (a restart)', async () => {
        const id = patchId('7', '8');
        const stored = await store.put(id, Buffer.from('kept'));
        await close();
        ({ store, close } = await reopen());
        expect(await listed(store)).to.deep.equal([id]);
        expect(await store.stat(id)).to.deep.equal(stored);
        expect((await readWhole(store, id))?.toString()).to.equal('kept');
      });
    }
  });
}
