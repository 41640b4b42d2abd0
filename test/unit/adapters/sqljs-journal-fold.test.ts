import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SqlJsDatabase } from '../../../src/adapters/outbound/sqljs/sqljs-database.js';
import { crashCopy } from '../../support/crash-copy.js';

/** A statement whose replay is not harmless: each run adds one, as an inventory batch adds polls. */
const SCHEMA = ['CREATE TABLE IF NOT EXISTS counter (id TEXT PRIMARY KEY, n INTEGER NOT NULL)'];
const COUNT = "INSERT INTO counter (id, n) VALUES ('polls', 1) ON CONFLICT (id) DO UPDATE SET n = n + 1";

async function counted(file: string): Promise<number> {
  const database = await SqlJsDatabase.open(file, SCHEMA);
  try {
    return database.all('SELECT n FROM counter', [], (row) => Number(row[0]))[0] ?? 0;
  } finally {
    await database.close();
  }
}

const segmentNames = async (dir: string) =>
  (await readdir(dir)).filter((name) => /^devices\.db\.journal\.\d+$/.test(name)).sort();

/**
 * A crash after the database file was written and before the journal segments it holds were
 * removed: the next start must not replay those segments onto it (found by a review: every poll
 * of the last segments was counted twice).
 */
describe('SqlJsDatabase: journal segments the database file holds already', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-fold-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('replays none of them after a crash between the final fold at close and their removal', async () => {
    const file = join(dir, 'devices.db');
    const database = await SqlJsDatabase.open(file, SCHEMA);
    for (let i = 0; i < 10; i += 1) await database.write([[COUNT, []]]);
    // The segments as they are before close folds them into the file and removes them.
    const kept = new Map<string, Buffer>();
    for (const name of await segmentNames(dir)) kept.set(name, await readFile(join(dir, name)));
    expect(kept.size).to.be.above(0);
    await database.close();
    expect(await segmentNames(dir)).to.deep.equal([]);
    for (const [name, bytes] of kept) await writeFile(join(dir, name), bytes);
    expect(await counted(file)).to.equal(10);
    // And the next start's writes go to segments numbered after those, replayed once.
    const again = await SqlJsDatabase.open(file, SCHEMA);
    await again.write([[COUNT, []]]);
    const later = await segmentNames(dir);
    expect(
      later.every((name) => !kept.has(name)),
      `${later.join()} after ${[...kept.keys()].join()}`,
    ).to.equal(true);
    await crashCopy(dir, join(dir, 'crash'));
    await again.close();
    expect(await counted(join(dir, 'crash', 'devices.db'))).to.equal(11);
    expect(await counted(file)).to.equal(11);
  });

  it('replays none of them after crashes between background checkpoints and their removal', async () => {
    const file = join(dir, 'devices.db');
    const database = await SqlJsDatabase.open(file, SCHEMA, { checkpointBytes: 2048 });
    const seen = new Map<string, Buffer>();
    for (let i = 0; i < 200; i += 1) {
      await database.write([[COUNT, []]]);
      for (const name of await segmentNames(dir)) {
        const bytes = await readFile(join(dir, name)).catch(() => undefined);
        if (bytes !== undefined) seen.set(name, bytes);
      }
    }
    // Let the last checkpoint end, then crash: every segment a checkpoint removed comes back.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const crashed = join(dir, 'crash');
    await crashCopy(dir, crashed);
    const present = new Set(await segmentNames(crashed));
    const removed = [...seen.keys()].filter((name) => !present.has(name));
    expect(removed.length, 'checkpoints removed segments').to.be.above(1);
    for (const name of removed) await writeFile(join(crashed, name), seen.get(name)!);
    expect(await counted(join(crashed, 'devices.db'))).to.equal(200);
    await database.close();
  });
});
