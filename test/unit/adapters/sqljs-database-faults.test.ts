import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { CheckpointEvent } from '../../../src/adapters/outbound/sqljs/sqljs-database.js';
import { SqlJsDatabase } from '../../../src/adapters/outbound/sqljs/sqljs-database.js';
import {
  DEVICE_APP_SCHEMA,
  SqlJsDeviceAppRepository,
} from '../../../src/adapters/outbound/sqljs/sqljs-device-app-repository.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { listAll, row } from '../../contract/device-app-repository.contract.js';
import type { FaultRule } from '../../support/faulty-file-io.js';
import { FaultyFileIo } from '../../support/faulty-file-io.js';
import { crashCopy } from '../../support/crash-copy.js';

/** A database on a real directory whose writes go through a FaultyFileIo. */
async function openFaulty(dir: string, io: FaultyFileIo, checkpointBytes?: number): Promise<SqlJsDeviceAppRepository> {
  const database = await SqlJsDatabase.open(join(dir, 'devices.db'), DEVICE_APP_SCHEMA, { io, checkpointBytes });
  return new SqlJsDeviceAppRepository(database, true);
}

/** The ids stored in the database of `dir` when it is opened afresh (on a healthy disk). */
async function storedIds(dir: string): Promise<string[]> {
  const repository = await SqlJsDeviceAppRepository.open(join(dir, 'devices.db'));
  const ids = (await listAll(repository)).map((record) => record.deviceId as string);
  await repository.close();
  return ids;
}

const ids = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/** Upserts each id as its own write, all at once (so they share group commits); the outcome of each. */
async function upsertAll(repository: SqlJsDeviceAppRepository, names: string[]): Promise<PromiseSettledResult<void>[]> {
  return Promise.all(
    names.map((name) =>
      repository.upsert(row(name)).then(
        () => ({ status: 'fulfilled', value: undefined }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      ),
    ),
  );
}

describe('SqlJsDatabase on a failing disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-faults-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  // Each fault skips the first append (one record of `recordBytes`) and hits the next, a group of
  // four writers; the full disk fills in the middle of the group's second record.
  const faults: { name: string; code: string; arm: (io: FaultyFileIo, recordBytes: number) => void }[] = [
    {
      name: 'a short write then ENOSPC',
      code: 'storage-full',
      arm: (io, recordBytes) => io.fillDisk(Math.floor(recordBytes * 2.5)),
    },
    {
      name: 'EIO on write',
      code: 'EIO',
      arm: (io) => io.inject({ on: 'write', path: /journal/, fault: 'EIO', after: 1 }),
    },
    {
      name: 'EIO on datasync',
      code: 'EIO',
      arm: (io) => io.inject({ on: 'datasync', path: /journal/, fault: 'EIO', after: 1 }),
    },
  ];
  const cutFails: FaultRule = { on: 'truncate', path: /journal/, fault: 'EIO', times: Infinity };

  for (const fault of faults) {
    for (const cut of ['can', 'cannot'] as const) {
      it(`${fault.name} in a stream of writes, when the segment ${cut} be cut back: failed writes never appear, acknowledged ones all survive`, async () => {
        const live = join(dir, 'live');
        await mkdir(live);
        const io = new FaultyFileIo();
        const repository = await openFaulty(live, io);
        // Names of one length: every write's record is as long as every other's.
        for (const name of ids('ok-a', 5)) await repository.upsert(row(name));
        const recordBytes = (await stat(join(live, 'devices.db.journal.1'))).size / 5;
        if (cut === 'cannot') io.inject(cutFails);
        fault.arm(io, recordBytes);
        const first = repository.upsert(row('ok-a5'));
        // Queued behind the first append, so they share the next one.
        const pending = upsertAll(repository, ids('no-b', 4));
        await first;
        // Not visible while their append is under way, either.
        expect(await repository.get('no-b0' as DeviceId)).to.equal(undefined);
        for (const outcome of await pending) {
          expect(outcome.status).to.equal('rejected');
          expect((outcome as PromiseRejectedResult).reason).to.have.property('code', fault.code);
        }
        expect(io.fired.length, 'the fault fired').to.be.above(0);
        expect(await repository.get('no-b0' as DeviceId)).to.equal(undefined);
        expect((await listAll(repository)).map((r) => r.deviceId)).to.deep.equal(ids('ok-a', 6));
        // On a disk that is full and cannot cut either, the failed records stay until space is
        // freed (see WriteAheadJournal): a crash in between is the one case they could replay.
        if (cut === 'can' || fault.code !== 'storage-full') {
          await crashCopy(live, join(dir, 'crash-while-failing'));
          expect(
            await storedIds(join(dir, 'crash-while-failing')),
            'after a crash right after the failure',
          ).to.deep.equal(ids('ok-a', 6));
        }

        io.heal();
        await repository.upsert(row('ok-c0'));
        for (const outcome of await upsertAll(repository, ids('ok-d', 5))) expect(outcome.status).to.equal('fulfilled');
        const acknowledged = [...ids('ok-a', 6), 'ok-c0', ...ids('ok-d', 5)].sort();
        expect((await listAll(repository)).map((r) => r.deviceId)).to.deep.equal(acknowledged);

        await crashCopy(live, join(dir, 'crash'));
        await repository.close();
        expect(await storedIds(live), 'after close and reopen').to.deep.equal(acknowledged);
        expect(await storedIds(join(dir, 'crash')), 'after a crash').to.deep.equal(acknowledged);
      });
    }
  }

  it('keeps failing writes while the failed tail can be neither cut nor sealed, and recovers once space is freed', async () => {
    const live = join(dir, 'live');
    await mkdir(live);
    const io = new FaultyFileIo();
    const repository = await openFaulty(live, io);
    await repository.upsert(row('before'));
    io.inject(cutFails).fillDisk(0);
    for (const name of ids('failed', 3)) {
      expect(await repository.upsert(row(name)).catch((error: unknown) => error)).to.have.property(
        'code',
        'storage-full',
      );
    }
    expect(
      io.fired.filter((line) => line.startsWith('ENOSPC write') && line.includes('journal.')).length,
      'seals tried',
    ).to.be.above(3);
    io.freeDisk();
    await repository.upsert(row('after'));
    await crashCopy(live, join(dir, 'crash'));
    await repository.close();
    expect(await storedIds(live)).to.deep.equal(['after', 'before']);
    expect(await storedIds(join(dir, 'crash'))).to.deep.equal(['after', 'before']);
  });

  it('seals a segment it could not cut back, and replay skips the sealed tail and says so', async () => {
    const io = new FaultyFileIo();
    const repository = await openFaulty(dir, io);
    await repository.upsert(row('before'));
    io.inject(cutFails).inject({ on: 'datasync', path: /journal/, fault: 'EIO' });
    expect(await repository.upsert(row('failed')).catch((error: unknown) => error)).to.have.property('code', 'EIO');
    await repository.upsert(row('after'));
    // The failed record is complete in the first segment: only the seal keeps it from replaying.
    await crashCopy(dir, join(dir, 'crash'));
    const reopened = await SqlJsDatabase.open(join(dir, 'crash', 'devices.db'), DEVICE_APP_SCHEMA);
    expect(reopened.recovery).to.have.length(1);
    expect(reopened.recovery[0]).to.include({ reason: 'sealed', segment: join(dir, 'crash', 'devices.db.journal.1') });
    expect(reopened.recovery[0]!.bytes).to.be.above(0);
    const survivor = new SqlJsDeviceAppRepository(reopened, true);
    expect((await listAll(survivor)).map((r) => r.deviceId)).to.deep.equal(['after', 'before']);
    await survivor.close();
    await repository.close();
  });

  it('loses nothing when a checkpoint fails, leaves no temporary file, and drops old segments after a later one succeeds', async () => {
    const live = join(dir, 'live');
    await mkdir(live);
    const io = new FaultyFileIo().inject({
      on: 'write',
      path: /\.devices\.db\.tmp-/,
      fault: 'ENOSPC',
      times: Infinity,
    });
    const repository = await openFaulty(live, io, 1500);
    const written = ids('k', 120).sort();
    for (const name of written) await repository.upsert(row(name));
    expect(
      io.fired.some((line) => line.includes('.devices.db.tmp-')),
      'a checkpoint was tried',
    ).to.equal(true);
    await crashCopy(live, join(dir, 'crash'));
    expect(await storedIds(join(dir, 'crash')), 'after a crash during failing checkpoints').to.deep.equal(written);
    const segments = (await readdir(live)).filter((name) => name.includes('.journal.'));
    expect(segments.length, 'closed segments are kept').to.be.above(2);

    io.heal();
    const more = ids('m', 120);
    for (const name of more) await repository.upsert(row(name));
    await repository.close();
    const left = await readdir(live);
    expect(
      left.filter((name) => name.includes('.tmp-')),
      'temporary files',
    ).to.deep.equal([]);
    expect(left.filter((name) => name.includes('.journal.'))).to.deep.equal([]);
    expect(await storedIds(live)).to.deep.equal([...written, ...more].sort());
  });

  it("says once that checkpoints fail (with the journal's size), tries again on a later write, and says when one succeeds", async () => {
    const io = new FaultyFileIo().inject({
      on: 'write',
      path: /\.devices\.db\.tmp-/,
      fault: 'ENOSPC',
      times: Infinity,
    });
    const events: CheckpointEvent[] = [];
    const database = await SqlJsDatabase.open(join(dir, 'devices.db'), DEVICE_APP_SCHEMA, {
      io,
      checkpointBytes: 1500,
      checkpointRetryMs: 0,
      onCheckpoint: (event) => events.push(event),
    });
    const repository = new SqlJsDeviceAppRepository(database, true);
    for (const name of ids('k', 60)) await repository.upsert(row(name));
    expect(events.map((event) => event.kind)).to.deep.equal(['failed']);
    const [failed] = events;
    expect(failed?.kind === 'failed' && failed.journalBytes).to.be.above(1500);
    expect((failed as { error: NodeJS.ErrnoException }).error.code).to.equal('ENOSPC');
    io.heal();
    // A small write is enough: the retry does not wait for another checkpointBytes of journal.
    await repository.upsert(row('after'));
    await repository.close(); // waits for the background checkpoint (its own final write says nothing)
    expect(events.map((event) => event.kind)).to.deep.equal(['failed', 'recovered']);
  });

  it('keeps the journal when close cannot write the final snapshot on a full disk', async () => {
    const io = new FaultyFileIo();
    const repository = await openFaulty(dir, io);
    for (const name of ids('k', 10)) await repository.upsert(row(name));
    io.fillDisk(0);
    await repository.close();
    const left = await readdir(dir);
    expect(
      left.filter((name) => name.includes('.tmp-')),
      'temporary files',
    ).to.deep.equal([]);
    expect(
      left.filter((name) => name.includes('.journal.')),
      'journal segments',
    ).to.have.length.above(0);
    expect(await storedIds(dir)).to.deep.equal(ids('k', 10).sort());
  });

  it('removes the temporary of a checkpoint that a crash cut off when it opens, and nothing else', async () => {
    const repository = await openFaulty(dir, new FaultyFileIo());
    await repository.upsert(row('kept'));
    await repository.close();
    // As a kill during a checkpoint leaves it: the whole database, under writeFileDurably's name.
    await copyFile(join(dir, 'devices.db'), join(dir, '.devices.db.tmp-0123456789ab'));
    const others = [
      '.devices.db.tmp-notours',
      '.other.db.tmp-0123456789ab',
      'devices.db.tmp-0123456789ab',
      '.devices.db.upload-0123456789ab',
    ];
    for (const name of others) await writeFile(join(dir, name), 'not a checkpoint of ours');
    const reopened = await openFaulty(dir, new FaultyFileIo());
    const names = await readdir(dir);
    expect(names).to.not.include('.devices.db.tmp-0123456789ab');
    expect(names).to.include.members(others);
    expect((await listAll(reopened)).map((r) => r.deviceId)).to.deep.equal(['kept']);
    await reopened.close();
  });

  it('opens on a full disk, keeping the journal, and takes writes again once space is freed', async () => {
    const first = await SqlJsDeviceAppRepository.open(join(dir, 'devices.db'));
    await first.upsert(row('a'));
    await crashCopy(dir, join(dir, 'crash'));
    await first.close();
    const io = new FaultyFileIo().fillDisk(0);
    const repository = await openFaulty(join(dir, 'crash'), io);
    expect((await listAll(repository)).map((r) => r.deviceId)).to.deep.equal(['a']);
    expect(await repository.upsert(row('refused')).catch((error: unknown) => error)).to.have.property(
      'code',
      'storage-full',
    );
    io.freeDisk();
    await repository.upsert(row('b'));
    await crashCopy(join(dir, 'crash'), join(dir, 'crash2'));
    await repository.close();
    expect(await storedIds(join(dir, 'crash'))).to.deep.equal(['a', 'b']);
    expect(await storedIds(join(dir, 'crash2'))).to.deep.equal(['a', 'b']);
  });

  it('keeps applying a group after a trusted write whose refusal ended the transaction itself', async () => {
    const schema = [
      'CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY)',
      // As SQLite does on its own for some errors (out of memory): the transaction is gone when
      // the statement fails, so the ROLLBACK that follows has nothing to roll back.
      "CREATE TRIGGER IF NOT EXISTS refuse BEFORE INSERT ON t WHEN NEW.id = 'bad' BEGIN SELECT RAISE(ROLLBACK, 'refused'); END",
    ];
    const file = join(dir, 'trusted.db');
    const database = await SqlJsDatabase.open(file, schema);
    const insert = (id: string) =>
      database.write([['INSERT INTO t (id) VALUES (?)', [id]]], undefined, { trusted: true }).then(
        () => 'written',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    // The first write flushes alone; the next three make one group.
    const outcomes = await Promise.all([insert('a'), insert('b'), insert('bad'), insert('c')]);
    expect(outcomes[0]).to.equal('written');
    expect(outcomes[1]).to.equal('written');
    expect(outcomes[2]).to.include('refused');
    expect(outcomes[3]).to.equal('written');
    const ids = (db: SqlJsDatabase) => db.all('SELECT id FROM t ORDER BY id', [], (r) => String(r[0]));
    expect(ids(database)).to.deep.equal(['a', 'b', 'c']);
    await crashCopy(dir, join(dir, 'crashed'), 'trusted.db');
    await database.close();
    const replayed = await SqlJsDatabase.open(join(dir, 'crashed', 'trusted.db'), schema);
    expect(ids(replayed)).to.deep.equal(['a', 'b', 'c']);
    await replayed.close();
  });

  it('refuses a statement SQLite refuses before journaling it, and takes the next writes', async () => {
    const database = await SqlJsDatabase.open(join(dir, 'devices.db'), DEVICE_APP_SCHEMA);
    const refused = await database
      .write([['INSERT INTO device_app (device_id, no_such_column) VALUES (?, ?)', ['x', 1]]])
      .catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(Error).with.property('message').that.includes('no_such_column');
    expect((await stat(join(dir, 'devices.db.journal.1'))).size, 'journal bytes').to.equal(0);
    const repository = new SqlJsDeviceAppRepository(database, true);
    await repository.upsert(row('a'));
    await repository.close();
    expect(await storedIds(dir)).to.deep.equal(['a']);
  });
});
