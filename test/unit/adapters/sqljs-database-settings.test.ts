import { expect } from 'chai';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlJsDatabase } from '../../../src/adapters/outbound/sqljs/sqljs-database.js';
import { eventually } from '../../support/eventually.js';

const SCHEMA = ['CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT NOT NULL)'];

/**
 * The connection keeps its rollback journal in memory and its lock for good (no file-system
 * calls through JavaScript per statement), from the open and after every checkpoint's export.
 */
describe('SqlJsDatabase: connection settings', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-sqljs-settings-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const settings = (database: SqlJsDatabase) =>
    database.read((db) =>
      ['locking_mode', 'journal_mode', 'cache_size'].map((name) => db.exec(`PRAGMA ${name}`)[0]?.values[0]?.[0]),
    );

  it('are in force after open and after background checkpoints', async () => {
    const file = join(dir, 'devices.db');
    let checkpoints = 0;
    const database = await SqlJsDatabase.open(file, SCHEMA, {
      checkpointBytes: 1000,
      onCheckpoint: () => (checkpoints += 1),
    });
    try {
      expect(settings(database)).to.deep.equal(['exclusive', 'memory', -4096]);
      for (let i = 0; i < 50; i += 1)
        await database.write([['INSERT OR REPLACE INTO t VALUES (?, ?)', [`k${i}`, 'x'.repeat(200)]]]);
      // The journal passed 1000 bytes many times over: checkpoints (exports) ran meanwhile.
      await eventually(async () => stat(file).then((info) => info.size > 8192), 'checkpoint');
      expect(settings(database)).to.deep.equal(['exclusive', 'memory', -4096]);
      expect(checkpoints).to.equal(0); // none failed
    } finally {
      await database.close();
    }
  });
});
