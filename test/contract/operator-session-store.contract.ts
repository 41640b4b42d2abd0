import { expect } from 'chai';
import type { OperatorSession, OperatorSessionStore } from '../../src/ports/operator-session-store.port.js';

const session = (username: string, createdAt: number, expiresAt = createdAt + 1000): OperatorSession => ({
  username,
  csrfToken: `csrf-${username}`,
  createdAt,
  expiresAt,
});

/**
 * What every OperatorSessionStore adapter promises. `open` gives a fresh, empty store; `reopen`
 * (durable adapters) closes it and opens what it left behind; `other` (shared adapters) opens a
 * second store on the same storage, as another server has it.
 */
export function operatorSessionStoreContract(
  name: string,
  hooks: {
    open: () => Promise<OperatorSessionStore>;
    reopen?: (store: OperatorSessionStore) => Promise<OperatorSessionStore>;
    other?: () => Promise<OperatorSessionStore>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`OperatorSessionStore contract: ${name}`, () => {
    let store: OperatorSessionStore;

    beforeEach(async () => {
      store = await hooks.open();
    });

    afterEach(async () => {
      await store.close();
      await hooks.cleanup?.();
    });

    it('starts empty', async () => {
      expect(await store.find('nobody')).to.equal(undefined);
      expect(await store.delete('nobody')).to.equal(false);
      expect(await store.sweep(Number.MAX_SAFE_INTEGER)).to.equal(0);
    });

    it('finds a session by its key, every field as put, times beyond 32 bits exact', async () => {
      const far = session("o'brien; DROP TABLE x", 1_767_225_600_123, 8_640_000_000_000_000);
      await store.put('key-1', far, 10);
      expect(await store.find('key-1')).to.deep.equal(far);
      expect(await store.find('key-2')).to.equal(undefined);
      expect(await store.find('KEY-1'), 'keys are exact').to.equal(undefined);
    });

    it('replaces the session under a key put again', async () => {
      await store.put('k', session('a', 1), 10);
      await store.put('k', session('b', 2), 10);
      expect((await store.find('k'))?.username).to.equal('b');
    });

    it('deletes a session and says whether there was one', async () => {
      await store.put('a', session('a', 1), 10);
      await store.put('b', session('b', 2), 10);
      expect(await store.delete('a')).to.equal(true);
      expect(await store.delete('a')).to.equal(false);
      expect(await store.find('a')).to.equal(undefined);
      expect((await store.find('b'))?.username).to.equal('b');
    });

    it('sweeps the sessions expired at or before a time, and only those', async () => {
      await store.put('early', session('early', 1, 100), 10);
      await store.put('edge', session('edge', 2, 200), 10);
      await store.put('late', session('late', 3, 201), 10);
      expect(await store.sweep(200)).to.equal(2);
      expect(await store.find('early')).to.equal(undefined);
      expect(await store.find('edge')).to.equal(undefined);
      expect((await store.find('late'))?.username).to.equal('late');
      expect(await store.sweep(200)).to.equal(0);
    });

    it('keeps at most the bound: the sessions created first give way', async () => {
      for (let i = 1; i <= 5; i += 1) await store.put(`s${i}`, session(`s${i}`, i * 10), 3);
      const kept = await Promise.all([1, 2, 3, 4, 5].map(async (i) => (await store.find(`s${i}`)) !== undefined));
      expect(kept).to.deep.equal([false, false, true, true, true]);
    });

    it('takes many concurrent puts and finds each', async () => {
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.put(`c${i}`, session(`c${i}`, i), 1000)));
      const found = await Promise.all(Array.from({ length: 100 }, (_, i) => store.find(`c${i}`)));
      expect(found.map((s) => s?.username)).to.deep.equal(Array.from({ length: 100 }, (_, i) => `c${i}`));
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('finds every acknowledged write after close and reopen', async () => {
        await store.put('a', session('a', 1), 10);
        await store.put('b', session('b', 2), 10);
        await store.delete('a');
        store = await reopen(store);
        expect(await store.find('a')).to.equal(undefined);
        expect(await store.find('b')).to.deep.equal(session('b', 2));
      });
    }

    if (hooks.other !== undefined) {
      const other = hooks.other;
      it('shares its sessions with another store on the same storage at once: puts and deletes', async () => {
        const elsewhere = await other();
        try {
          await store.put('shared', session('shared', 5), 10);
          expect(await elsewhere.find('shared')).to.deep.equal(session('shared', 5));
          expect(await elsewhere.delete('shared')).to.equal(true);
          expect(await store.find('shared')).to.equal(undefined);
        } finally {
          await elsewhere.close();
        }
      });
    }
  });
}
