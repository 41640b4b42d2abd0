import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlJsDatabase } from '../../../src/adapters/outbound/sqljs/sqljs-database.js';
import type { RowWiseStatement } from '../../../src/adapters/outbound/sqljs/sqljs-database.js';
import { crashCopy } from '../../support/crash-copy.js';

const SCHEMA = ['CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)'];
const ADD_JSON = 'UPDATE t SET n = n + j.value->>1 FROM json_each(?) AS j WHERE t.k = j.value->>0';
const ADD_ONE = 'UPDATE t SET n = n + ?2 WHERE k = ?1';
const INSERT_JSON = 'INSERT INTO t SELECT value->>0, value->>1 FROM json_each(?)';
const INSERT_ONE = 'INSERT INTO t VALUES (?1, ?2)';

function rowWise(journaledSql: string, sql: string, rows: (string | number)[][]): RowWiseStatement {
  return { journaled: [journaledSql, [JSON.stringify(rows)]], sql, rowCount: rows.length, row: (i) => rows[i] ?? [] };
}

/** A statement applied to memory row by row and journaled as one: what the inventory's poll batches are. */
describe('SqlJsDatabase: row-wise statements', () => {
  let dir: string;
  let database: SqlJsDatabase;
  const rows = () => database.all('SELECT k, n, typeof(n) FROM t ORDER BY k', [], (row) => row);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-sqljs-row-wise-'));
    database = await SqlJsDatabase.open(join(dir, 'devices.db'), SCHEMA);
    await database.write([
      ['INSERT INTO t VALUES (?, ?)', ['a', 1]],
      ['INSERT INTO t VALUES (?, ?)', ['b', 2]],
    ]);
  });
  afterEach(async () => {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies each row, counts the rows changed, and replays the journaled form to the same rows', async () => {
    const big = 1_767_225_660_123; // not a 32-bit integer: still stored as one
    const changed = await database.write(
      [
        rowWise(ADD_JSON, ADD_ONE, [
          ['a', big],
          ['b', 5],
          ['missing', 7],
        ]),
        ['INSERT INTO t VALUES (?, ?)', ['c', 3]],
      ],
      undefined,
      { trusted: true },
    );
    expect(changed).to.equal(3);
    const expected = [
      ['a', big + 1, 'integer'],
      ['b', 7, 'integer'],
      ['c', 3, 'integer'],
    ];
    expect(rows()).to.deep.equal(expected);
    const copy = join(dir, 'crash');
    await crashCopy(dir, copy);
    const replayed = await SqlJsDatabase.open(join(copy, 'devices.db'), SCHEMA);
    try {
      expect(replayed.all('SELECT k, n, typeof(n) FROM t ORDER BY k', [], (row) => row)).to.deep.equal(expected);
    } finally {
      await replayed.close();
    }
  });

  it('refuses the whole write when one row fails, before anything is journaled or applied', async () => {
    const write = database.write([
      ['INSERT INTO t VALUES (?, ?)', ['d', 4]],
      rowWise(INSERT_JSON, INSERT_ONE, [
        ['e', 5],
        ['a', 6], // the primary key is taken
      ]),
    ]);
    let refused: unknown;
    await write.catch((error: unknown) => (refused = error));
    expect(String(refused)).to.match(/UNIQUE constraint failed/);
    expect(rows().map((row) => row[0])).to.deep.equal(['a', 'b']);
    await database.close();
    database = await SqlJsDatabase.open(join(dir, 'devices.db'), SCHEMA);
    expect(rows().map((row) => row[0])).to.deep.equal(['a', 'b']);
  });
});
