import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryUpdateAttemptStore } from '../../src/adapters/outbound/memory/in-memory-update-attempt-store.js';
import { SqlJsUpdateAttemptStore } from '../../src/adapters/outbound/sqljs/sqljs-update-attempt-store.js';
import { crashCopy } from '../support/crash-copy.js';
import { updateAttemptStoreContract } from './update-attempt-store.contract.js';

updateAttemptStoreContract('in-memory', { open: async () => new InMemoryUpdateAttemptStore() });

let directory = '';
let crashes = 0;
updateAttemptStoreContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-attempts-'));
    return SqlJsUpdateAttemptStore.open(join(directory, 'devices.db'));
  },
  reopen: async (store) => {
    await store.close();
    return SqlJsUpdateAttemptStore.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsUpdateAttemptStore.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});
