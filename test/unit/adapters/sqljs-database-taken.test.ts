import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { JournalTaken } from '../../../src/adapters/outbound/sqljs/journal-taken.js';
import { SqlJsDatabase } from '../../../src/adapters/outbound/sqljs/sqljs-database.js';
import { FaultyFileIo } from '../../support/faulty-file-io.js';

const SCHEMA = ['CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT)'];
const put = (database: SqlJsDatabase, key: string) =>
  database.write([['INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)', [key, 'v']]]);
const keys = (database: SqlJsDatabase) => database.all('SELECT k FROM t ORDER BY k', [], (row) => row[0]);

/**
 * A server whose data dir lock was taken over (it was frozen past the stale time) must not
 * acknowledge another write: the process that took over folds the journal and removes its segments,
 * so whatever is appended to them afterwards is never replayed.
 */
describe('SqlJsDatabase when another process took its journal over', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-taken-'));
    file = join(dir, 'devices.db');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const segments = async () => (await readdir(dir)).filter((name) => name.startsWith('devices.db.journal.'));

  /** What the usurper leaves: its own database file, and the segments it folded removed. */
  async function usurp(): Promise<void> {
    for (const name of await segments()) await rm(join(dir, name));
    await writeFile(file, 'the usurper');
  }

  for (const [name, io] of [
    ["on Node's file system", undefined],
    ['through a FaultyFileIo', new FaultyFileIo()],
  ] as const) {
    it(`fails a write whose segment was removed, and every later one, says so once, and writes nothing on close (${name})`, async () => {
      const taken: Error[] = [];
      const database = await SqlJsDatabase.open(file, SCHEMA, {
        ...(io === undefined ? {} : { io }),
        onJournalTaken: (error) => taken.push(error),
      });
      await put(database, 'before');
      await usurp();
      for (const key of ['after', 'later']) {
        const refused = await put(database, key).catch((error: unknown) => error);
        expect(refused).to.be.instanceOf(JournalTaken);
        expect((refused as Error).message).to.match(
          /another process removed the journal segment \S+devices\.db\.journal\.\d+ this process appends to/,
        );
      }
      expect(taken).to.have.length(1);
      expect(keys(database), 'a refused write is not applied').to.deep.equal(['before']);
      await database.close();
      expect(await readFile(file, 'utf8')).to.equal('the usurper');
      expect(await segments()).to.deep.equal([]);
    });
  }

  it('never writes into a segment another process made: the checkpoint that would fails, and so do later writes', async () => {
    const taken: Error[] = [];
    const database = await SqlJsDatabase.open(file, SCHEMA, {
      checkpointBytes: 1,
      onJournalTaken: (error) => taken.push(error),
    });
    // The usurper replayed segment 1 (ours) and started segment 2, where our checkpoint would go.
    const [ours] = await segments();
    const theirs = join(dir, `devices.db.journal.${Number(ours!.split('.').at(-1)) + 1}`);
    await writeFile(theirs, 'their records\n');
    await put(database, 'appended to our segment');
    expect(taken.map((error) => error.message)).to.have.length(1);
    expect(taken[0]!.message).to.match(/another process made the journal segment \S+devices\.db\.journal\.2 /);
    expect(await readFile(theirs, 'utf8')).to.equal('their records\n');
    expect(await put(database, 'after').catch((error: unknown) => error)).to.be.instanceOf(JournalTaken);
    await database.close();
    expect(await readFile(theirs, 'utf8')).to.equal('their records\n');
  });
});
