import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryRolloutStore } from '../../src/adapters/outbound/memory/in-memory-rollout-store.js';
import { SqlJsRolloutStore } from '../../src/adapters/outbound/sqljs/sqljs-rollout-store.js';
import { crashCopy } from '../support/crash-copy.js';
import { rolloutStoreContract } from './rollout-store.contract.js';

rolloutStoreContract('in-memory', { open: async () => new InMemoryRolloutStore() });

let directory = '';
let crashes = 0;
rolloutStoreContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-rollouts-'));
    return SqlJsRolloutStore.open(join(directory, 'devices.db'));
  },
  reopen: async (store) => {
    await store.close();
    return SqlJsRolloutStore.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsRolloutStore.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});
