import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryDeviceInventoryStore } from '../../src/adapters/outbound/memory/in-memory-device-inventory-store.js';
import { SqlJsDeviceInventoryStore } from '../../src/adapters/outbound/sqljs/sqljs-device-inventory-store.js';
import { crashCopy } from '../support/crash-copy.js';
import { deviceInventoryStoreContract } from './device-inventory-store.contract.js';

deviceInventoryStoreContract('in-memory', { open: async () => new InMemoryDeviceInventoryStore() });

let directory = '';
let crashes = 0;
deviceInventoryStoreContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-inventory-'));
    return SqlJsDeviceInventoryStore.open(join(directory, 'devices.db'));
  },
  reopen: async (store) => {
    await store.close();
    return SqlJsDeviceInventoryStore.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsDeviceInventoryStore.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});
