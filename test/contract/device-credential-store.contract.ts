import { expect } from 'chai';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { DeviceCredential, DeviceCredentialStore } from '../../src/ports/device-credential-store.port.js';

export function credential(id: string, hash = `scrypt$32768$8$1$salt-${id}$hash`): DeviceCredential {
  return { deviceId: id as DeviceId, secretHash: hash, createdAt: '2026-11-26T12:00:00.000Z' };
}

async function listAll(store: DeviceCredentialStore): Promise<DeviceCredential[]> {
  const listed: DeviceCredential[] = [];
  for await (const item of store.list()) listed.push(item);
  return listed;
}

/**
 * What every DeviceCredentialStore adapter promises. `open` gives a fresh, empty store; `reopen`
 * (for durable adapters) closes it and opens what it left behind.
 */
export function deviceCredentialStoreContract(
  name: string,
  hooks: {
    open: () => Promise<DeviceCredentialStore>;
    reopen?: (s: DeviceCredentialStore) => Promise<DeviceCredentialStore>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`DeviceCredentialStore contract: ${name}`, () => {
    let store: DeviceCredentialStore;
    beforeEach(async () => {
      store = await hooks.open();
    });
    afterEach(async () => {
      await store.close();
      await hooks.cleanup?.();
    });

    it("records, reads back, rotates and revokes one device's credential only", async () => {
      const id = 'AA:BB:CC:DD:EE:FF' as DeviceId;
      expect(await store.get(id)).to.equal(undefined);
      await store.put(credential(id));
      await store.put(credential('other'));
      expect(await store.get(id)).to.deep.equal(credential(id));
      await store.put(credential(id, 'scrypt$32768$8$1$new$rotated'));
      expect(await store.get(id)).to.deep.equal(credential(id, 'scrypt$32768$8$1$new$rotated'));
      expect(await store.delete(id)).to.equal(true);
      expect(await store.get(id)).to.equal(undefined);
      expect(await store.delete(id)).to.equal(false);
      expect(await store.get('other' as DeviceId)).to.deep.equal(credential('other'));
    });

    it('treats ids that look like SQL as plain values', async () => {
      await store.put(credential("x' OR '1'='1"));
      expect(await store.get('x' as DeviceId)).to.equal(undefined);
      expect(await store.delete('y' as DeviceId)).to.equal(false);
      expect(await store.get("x' OR '1'='1" as DeviceId)).to.deep.equal(credential("x' OR '1'='1"));
    });

    it('lists every credential once, in byte order of device id, across many pages', async () => {
      // Past two pages of the paging adapters (1000 a page), put in reverse and concurrently.
      const ids = Array.from({ length: 2001 }, (_, i) => `dev-${String(i).padStart(5, '0')}`);
      for (let end = ids.length; end > 0; end -= 250)
        await Promise.all(ids.slice(Math.max(0, end - 250), end).map((id) => store.put(credential(id))));
      for (const id of ['z\u00e9', 'Zed', 'AA:BB:CC', 'dev-00001-rotated']) await store.put(credential(id));
      await store.put(credential('dev-00007', 'scrypt$32768$8$1$new$rotated'));
      await store.delete('dev-00003' as DeviceId);
      const listed = await listAll(store);
      const expected = ['AA:BB:CC', 'Zed', ...ids.slice(0, 2), 'dev-00001-rotated', ...ids.slice(2), 'z\u00e9']
        .filter((id) => id !== 'dev-00003')
        .map((id) => (id === 'dev-00007' ? credential(id, 'scrypt$32768$8$1$new$rotated') : credential(id)));
      expect(listed.map((c) => c.deviceId)).to.deep.equal(expected.map((c) => c.deviceId));
      expect(listed).to.deep.equal(expected);
    });

    it('lists nothing when it holds no credential', async () => {
      expect(await listAll(store)).to.deep.equal([]);
      await store.put(credential('gone'));
      await store.delete('gone' as DeviceId);
      expect(await listAll(store)).to.deep.equal([]);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('keeps credentials and revocations across close and reopen', async () => {
        await store.put(credential('kept'));
        await store.put(credential('revoked'));
        await store.delete('revoked' as DeviceId);
        store = await reopen(store);
        expect(await store.get('kept' as DeviceId)).to.deep.equal(credential('kept'));
        expect(await store.get('revoked' as DeviceId)).to.equal(undefined);
        expect(await listAll(store)).to.deep.equal([credential('kept')]);
      });
    }
  });
}
