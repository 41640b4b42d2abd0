import { expect } from 'chai';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { PenaltyClearanceStore } from '../../src/ports/penalty-clearance-store.port.js';

const id = (raw: string) => raw as DeviceId;

/**
 * What every PenaltyClearanceStore adapter promises. `open` gives a fresh, empty store; `reopen`
 * (durable adapters) closes it and opens what it left behind; `crashCopy` opens a copy of the
 * files as they are on disk now, as a process killed at this instant leaves them.
 */
export function penaltyClearanceStoreContract(
  name: string,
  hooks: {
    open: () => Promise<PenaltyClearanceStore>;
    reopen?: (store: PenaltyClearanceStore) => Promise<PenaltyClearanceStore>;
    crashCopy?: () => Promise<PenaltyClearanceStore>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`PenaltyClearanceStore contract: ${name}`, () => {
    let store: PenaltyClearanceStore;

    beforeEach(async () => {
      store = await hooks.open();
    });

    afterEach(async () => {
      await store.close();
      await hooks.cleanup?.();
    });

    it('starts empty', async () => {
      expect(await store.list()).to.deep.equal(new Map());
      expect(await store.delete(id('nobody'))).to.equal(false);
    });

    it('keeps each device’s clearing time, the latest put winning', async () => {
      await store.put(id('AA:BB:CC:DD:EE:FF'), 1_767_225_600_000);
      await store.put(id("d' OR '1'='1"), 5);
      await store.put(id('AA:BB:CC:DD:EE:FF'), 1_767_225_700_123);
      expect(await store.list()).to.deep.equal(
        new Map([
          [id('AA:BB:CC:DD:EE:FF'), 1_767_225_700_123],
          [id("d' OR '1'='1"), 5],
        ]),
      );
    });

    it('deletes a device’s clearing and says whether it had one', async () => {
      await store.put(id('a'), 1);
      await store.put(id('b'), 2);
      expect(await store.delete(id('a'))).to.equal(true);
      expect(await store.delete(id('a'))).to.equal(false);
      expect(await store.list()).to.deep.equal(new Map([[id('b'), 2]]));
    });

    it('hands out a map that does not change the store', async () => {
      await store.put(id('a'), 1);
      const listed = (await store.list()) as Map<DeviceId, number>;
      listed.set(id('a'), 99);
      listed.set(id('z'), 1);
      expect(await store.list()).to.deep.equal(new Map([[id('a'), 1]]));
    });

    it('takes many concurrent puts', async () => {
      await Promise.all(Array.from({ length: 200 }, (_, i) => store.put(id(`d${i}`), i)));
      const listed = await store.list();
      expect(listed.size).to.equal(200);
      expect(listed.get(id('d123'))).to.equal(123);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('finds every acknowledged write after close and reopen', async () => {
        await store.put(id('a'), 1);
        await store.put(id('b'), 2);
        await store.put(id('a'), 3);
        await store.delete(id('b'));
        store = await reopen(store);
        expect(await store.list()).to.deep.equal(new Map([[id('a'), 3]]));
      });
    }

    if (hooks.crashCopy !== undefined) {
      const crashCopy = hooks.crashCopy;
      it('has every acknowledged write on disk at the moment of acknowledgement (crash-like reopen)', async () => {
        await store.put(id('a'), 1);
        await store.put(id('b'), 2);
        await store.delete(id('a'));
        const survivor = await crashCopy();
        try {
          expect(await survivor.list()).to.deep.equal(new Map([[id('b'), 2]]));
        } finally {
          await survivor.close();
        }
      });
    }
  });
}
