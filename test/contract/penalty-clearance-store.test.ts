import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryPenaltyClearanceStore } from '../../src/adapters/outbound/memory/in-memory-penalty-clearance-store.js';
import { SqlJsPenaltyClearanceStore } from '../../src/adapters/outbound/sqljs/sqljs-penalty-clearance-store.js';
import { crashCopy } from '../support/crash-copy.js';
import { penaltyClearanceStoreContract } from './penalty-clearance-store.contract.js';

penaltyClearanceStoreContract('in-memory', { open: async () => new InMemoryPenaltyClearanceStore() });

let directory = '';
let crashes = 0;
penaltyClearanceStoreContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-clearances-'));
    return SqlJsPenaltyClearanceStore.open(join(directory, 'devices.db'));
  },
  reopen: async (store) => {
    await store.close();
    return SqlJsPenaltyClearanceStore.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsPenaltyClearanceStore.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});
