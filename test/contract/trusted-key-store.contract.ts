import { expect } from 'chai';
import type { TrustedKey } from '../../src/domain/firmware/trusted-key.js';
import type { TrustedKeyStore } from '../../src/ports/trusted-key-store.port.js';

const key = (hex: string, fields: Partial<TrustedKey> = {}): TrustedKey => ({
  keyDigest: hex.repeat(64 / hex.length),
  scheme: 'RSA-3072',
  name: 'release key',
  source: 'api',
  addedAt: '2026-11-28T10:00:00.000Z',
  ...fields,
});

/**
 * What every TrustedKeyStore adapter promises. `open` gives a fresh, empty store; `reopen`
 * (durable adapters) closes it and opens what it left behind; `crashCopy` opens a copy of the
 * files as they are on disk now, as a process killed at this instant leaves them.
 */
export function trustedKeyStoreContract(
  name: string,
  hooks: {
    open: () => Promise<TrustedKeyStore>;
    reopen?: (store: TrustedKeyStore) => Promise<TrustedKeyStore>;
    crashCopy?: () => Promise<TrustedKeyStore>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`TrustedKeyStore contract: ${name}`, () => {
    let store: TrustedKeyStore;

    beforeEach(async () => {
      store = await hooks.open();
    });

    afterEach(async () => {
      await store.close();
      await hooks.cleanup?.();
    });

    it('starts empty', async () => {
      expect(await store.list()).to.deep.equal([]);
      expect(await store.delete(key('a').keyDigest)).to.equal(false);
    });

    it('lists keys in the order they were first added, a replaced one keeping its place, every field kept', async () => {
      await store.put(key('b'));
      await store.put(key('a', { scheme: null, name: null }));
      await store.put(key('c', { scheme: 'ECDSA-P384', name: "it's 'quoted'; DROP TABLE trusted_key" }));
      await store.put(key('b', { scheme: 'ECDSA-P256', name: 'renamed', addedAt: '2026-11-28T11:00:00.000Z' }));
      expect(await store.list()).to.deep.equal([
        key('b', { scheme: 'ECDSA-P256', name: 'renamed', addedAt: '2026-11-28T11:00:00.000Z' }),
        key('a', { scheme: null, name: null }),
        key('c', { scheme: 'ECDSA-P384', name: "it's 'quoted'; DROP TABLE trusted_key" }),
      ]);
    });

    it('deletes a key and says whether it was there', async () => {
      await store.put(key('a'));
      await store.put(key('b'));
      expect(await store.delete(key('a').keyDigest)).to.equal(true);
      expect(await store.delete(key('a').keyDigest)).to.equal(false);
      expect(await store.list()).to.deep.equal([key('b')]);
    });

    it('hands out lists that do not change the store', async () => {
      await store.put(key('a'));
      const listed = await store.list();
      listed.pop();
      expect(await store.list()).to.deep.equal([key('a')]);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('finds every acknowledged write after close and reopen, in order', async () => {
        await store.put(key('a'));
        await store.put(key('b'));
        await store.put(key('c'));
        await store.delete(key('b').keyDigest);
        await store.put(key('a', { name: 'again' }));
        store = await reopen(store);
        expect(await store.list()).to.deep.equal([key('a', { name: 'again' }), key('c')]);
      });
    }

    if (hooks.crashCopy !== undefined) {
      const crashCopy = hooks.crashCopy;
      it('has every acknowledged write on disk at the moment of acknowledgement (crash-like reopen)', async () => {
        await store.put(key('a'));
        await store.put(key('b'));
        await store.delete(key('a').keyDigest);
        const survivor = await crashCopy();
        try {
          expect(await survivor.list()).to.deep.equal([key('b')]);
        } finally {
          await survivor.close();
        }
      });
    }
  });
}
