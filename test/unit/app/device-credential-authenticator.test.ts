import { expect } from 'chai';
import { InMemoryDeviceCredentialStore } from '../../../src/adapters/outbound/memory/in-memory-device-credential-store.js';
import { DeviceCredentialAuthenticator } from '../../../src/app/auth/device-credential-authenticator.js';
import type { Authenticator } from '../../../src/app/auth/authenticator.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { NODE_CREDENTIAL_HASHING } from '../../../src/main/node-credential-hashing.js';

const SECRET = 'A'.repeat(32);
const nobody: Authenticator = { authenticate: async () => undefined };

describe('DeviceCredentialAuthenticator', () => {
  it('hashes a pair once however many of its checks arrive while it is being hashed, and remembers the verdict', async () => {
    const store = new InMemoryDeviceCredentialStore();
    const secretHash = await NODE_CREDENTIAL_HASHING.passwords.hash(SECRET);
    await store.put({ deviceId: 'lamp-1' as DeviceId, secretHash, createdAt: new Date(0).toISOString() });
    let hashed = 0;
    const hashing = {
      ...NODE_CREDENTIAL_HASHING,
      passwords: {
        hash: NODE_CREDENTIAL_HASHING.passwords.hash,
        verify: (password: string, encoded: string) => {
          hashed += 1;
          return NODE_CREDENTIAL_HASHING.passwords.verify(password, encoded);
        },
      },
    };
    const authenticator = new DeviceCredentialAuthenticator(nobody, store, hashing);
    const principals = await Promise.all(Array.from({ length: 5 }, () => authenticator.authenticate('lamp-1', SECRET)));
    for (const principal of principals) expect(principal).to.deep.equal({ role: 'device', deviceId: 'lamp-1' });
    expect(hashed).to.equal(1);
    expect(await authenticator.authenticate('lamp-1', SECRET)).to.deep.equal({ role: 'device', deviceId: 'lamp-1' });
    expect(hashed).to.equal(1);
    expect(await authenticator.authenticate('lamp-1', 'B'.repeat(32))).to.equal(undefined);
    expect(hashed).to.equal(2);
  });
});
