import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryDeviceCredentialStore } from '../../src/adapters/outbound/memory/in-memory-device-credential-store.js';
import { SqlJsDeviceCredentialStore } from '../../src/adapters/outbound/sqljs/sqljs-device-credential-store.js';
import { deviceCredentialStoreContract } from './device-credential-store.contract.js';

deviceCredentialStoreContract('in-memory', { open: async () => new InMemoryDeviceCredentialStore() });

let directory = '';
deviceCredentialStoreContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-credentials-'));
    return SqlJsDeviceCredentialStore.open(join(directory, 'devices.db'));
  },
  reopen: async (store) => {
    await store.close();
    return SqlJsDeviceCredentialStore.open(join(directory, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});
