import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryAuditLog } from '../../src/adapters/outbound/memory/in-memory-audit-log.js';
import { SqlJsAuditLog } from '../../src/adapters/outbound/sqljs/sqljs-audit-log.js';
import { crashCopy } from '../support/crash-copy.js';
import { auditLogContract } from './audit-log.contract.js';

auditLogContract('in-memory', { open: async () => new InMemoryAuditLog() });

let directory = '';
let crashes = 0;
auditLogContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-audit-'));
    return SqlJsAuditLog.open(join(directory, 'devices.db'));
  },
  reopen: async (log) => {
    await log.close();
    return SqlJsAuditLog.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsAuditLog.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});
