import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryTrustedKeyStore } from '../../src/adapters/outbound/memory/in-memory-trusted-key-store.js';
import { SqlJsTrustedKeyStore } from '../../src/adapters/outbound/sqljs/sqljs-trusted-key-store.js';
import { crashCopy } from '../support/crash-copy.js';
import { trustedKeyStoreContract } from './trusted-key-store.contract.js';

trustedKeyStoreContract('in-memory', { open: async () => new InMemoryTrustedKeyStore() });

let directory = '';
let crashes = 0;
trustedKeyStoreContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-trusted-keys-'));
    return SqlJsTrustedKeyStore.open(join(directory, 'devices.db'));
  },
  reopen: async (store) => {
    await store.close();
    return SqlJsTrustedKeyStore.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsTrustedKeyStore.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});
