import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { nodeFileIo } from '../../../src/adapters/outbound/filesystem/file-io.js';
import { encodeEntry } from '../../../src/adapters/outbound/sqljs/journal-record.js';
import { SqlJsDatabase } from '../../../src/adapters/outbound/sqljs/sqljs-database.js';
import { WriteAheadJournal } from '../../../src/adapters/outbound/sqljs/write-ahead-journal.js';
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
    // At each checkpoint, its file written, just before it removes the segments it took in: the
    // file and those segments, as a crash at that moment leaves them (the segments written since
    // left out: whatever they hold comes on top either way).
    const crashes: string[] = [];
    const discard = WriteAheadJournal.prototype.discardThrough;
    WriteAheadJournal.prototype.discardThrough = async function (this: WriteAheadJournal, through: number) {
      if (through > 0 && through < Number.MAX_SAFE_INTEGER) {
        const crashed = join(dir, `crash-${crashes.length}`);
        await mkdir(crashed);
        await copyFile(file, join(crashed, 'devices.db'));
        for (const name of await segmentNames(dir)) {
          if (Number(name.split('.').at(-1)) <= through) await copyFile(join(dir, name), join(crashed, name));
        }
        crashes.push(crashed);
      }
      return discard.call(this, through);
    };
    try {
      const database = await SqlJsDatabase.open(file, SCHEMA, { checkpointBytes: 2048 });
      for (let i = 0; i < 200; i += 1) await database.write([[COUNT, []]]);
      await database.close();
    } finally {
      WriteAheadJournal.prototype.discardThrough = discard;
    }
    expect(crashes.length, `checkpoints: ${crashes.length}`).to.be.above(1);
    for (const crashed of crashes) {
      // The file alone, then with the segments it holds: the same count.
      const alone = `${crashed}-alone`;
      await mkdir(alone);
      await copyFile(join(crashed, 'devices.db'), join(alone, 'devices.db'));
      const expected = await counted(join(alone, 'devices.db'));
      expect(expected, crashed).to.be.above(0);
      expect(await counted(join(crashed, 'devices.db')), crashed).to.equal(expected);
    }
  });

  it('replays segments a release before the fingerprints wrote under numbers the file records', async () => {
    const file = join(dir, 'devices.db');
    // Four starts and clean stops: the file records segments up to number 4 or so.
    for (let run = 0; run < 4; run += 1) {
      const database = await SqlJsDatabase.open(file, SCHEMA);
      await database.write([[COUNT, []]]);
      await database.close();
    }
    expect(await counted(file)).to.equal(4);
    // Then such a release (it numbers its segments from 1 again) acknowledges three writes and
    // is killed (found by a review: skipped as folded by their number alone, and removed).
    const older = await WriteAheadJournal.start(file, 0, nodeFileIo);
    for (let i = 0; i < 3; i += 1) await older.append(encodeEntry([[COUNT, []]]));
    await older.close();
    expect(await segmentNames(dir)).to.deep.equal(['devices.db.journal.1']);
    expect(await counted(file)).to.equal(7);
  });

  it('replays what an older release wrote after a start that wrote nothing, or the same bytes', async () => {
    // A fresh data dir each: its first start records segment 1, which the older release reuses.
    // A start that wrote nothing recorded an empty segment 1, one that wrote once the bytes of that
    // write (found by a review: an empty record matched any segment, and one of the same first
    // bytes matched a longer one).
    for (const writes of [0, 1]) {
      const file = join(dir, `case-${writes}`, 'devices.db');
      await mkdir(dirname(file));
      const database = await SqlJsDatabase.open(file, SCHEMA);
      for (let i = 0; i < writes; i += 1) await database.write([[COUNT, []]]);
      await database.close();
      const older = await WriteAheadJournal.start(file, 0, nodeFileIo);
      for (let i = 0; i < 3; i += 1) await older.append(encodeEntry([[COUNT, []]]));
      await older.close();
      expect(await counted(file), `after a start with ${writes} write(s)`).to.equal(writes + 3);
    }
  });
});
