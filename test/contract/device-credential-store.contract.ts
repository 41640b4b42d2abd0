import { expect } from 'chai';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { DeviceCredential, DeviceCredentialStore } from '../../src/ports/device-credential-store.port.js';

export function credential(id: string, hash = `scrypt$32768$8$1$salt-${id}$hash`): DeviceCredential {
  return { deviceId: id as DeviceId, secretHash: hash, createdAt: '2026-11-26T12:00:00.000Z' };
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

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('keeps credentials and revocations across close and reopen', async () => {
        await store.put(credential('kept'));
        await store.put(credential('revoked'));
        await store.delete('revoked' as DeviceId);
        store = await reopen(store);
        expect(await store.get('kept' as DeviceId)).to.deep.equal(credential('kept'));
        expect(await store.get('revoked' as DeviceId)).to.equal(undefined);
      });
    }
  });
}
