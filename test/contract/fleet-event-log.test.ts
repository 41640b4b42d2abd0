import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryFleetEventLog } from '../../src/adapters/outbound/memory/in-memory-fleet-event-log.js';
import { SqlJsFleetEventLog } from '../../src/adapters/outbound/sqljs/sqljs-fleet-event-log.js';
import { crashCopy } from '../support/crash-copy.js';
import { fleetEventLogContract } from './fleet-event-log.contract.js';

fleetEventLogContract('in-memory', { open: async () => new InMemoryFleetEventLog() });

let directory = '';
let crashes = 0;
fleetEventLogContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-events-'));
    return SqlJsFleetEventLog.open(join(directory, 'devices.db'));
  },
  reopen: async (log) => {
    await log.close();
    return SqlJsFleetEventLog.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsFleetEventLog.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});
