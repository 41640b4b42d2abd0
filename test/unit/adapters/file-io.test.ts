import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { nodeFileIo, writeAll } from '../../../src/adapters/outbound/filesystem/file-io.js';
import { FaultyFileIo } from '../../support/faulty-file-io.js';

describe('writeAll and the faulty file I/O of the fault-injection tests', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-io-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes every byte through short writes, in order', async () => {
    const io = new FaultyFileIo().inject({ on: 'write', fault: 'short', times: 5 });
    const file = await io.open(join(dir, 'a'), 'w');
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    await writeAll(file, bytes);
    await file.close();
    expect(await readFile(join(dir, 'a'))).to.deep.equal(bytes);
    expect(io.fired.filter((line) => line.startsWith('short'))).to.have.length(5);
  });

  it('fails with ENOSPC on a full disk after writing what fits, as Linux does', async () => {
    const io = new FaultyFileIo().fillDisk(300);
    const file = await io.open(join(dir, 'a'), 'w');
    const error = await writeAll(file, Buffer.alloc(1000, 7)).catch((e: unknown) => e);
    await file.close();
    expect(error).to.have.property('code', 'ENOSPC');
    expect((await readFile(join(dir, 'a'))).length).to.equal(300);
  });

  it('fails a write that makes no progress instead of looping forever', async () => {
    const stuck = {
      write: async () => 0,
      sync: async () => {},
      datasync: async () => {},
      truncate: async () => {},
      close: async () => {},
    };
    expect(await writeAll(stuck, Buffer.alloc(10)).catch((e: unknown) => e)).to.have.property('code', 'ENOSPC');
  });

  it('fails only the chosen calls of the chosen files', async () => {
    const io = new FaultyFileIo().inject({ on: 'sync', path: /journal/, fault: 'EIO', after: 1 });
    const other = await io.open(join(dir, 'db'), 'w');
    await other.sync();
    const journal = await io.open(join(dir, 'db.journal.1'), 'a');
    await journal.sync();
    expect(await journal.sync().catch((e: unknown) => e)).to.have.property('code', 'EIO');
    await journal.sync();
    await Promise.all([other.close(), journal.close()]);
    expect(io.fired).to.deep.equal([`EIO sync ${join(dir, 'db.journal.1')}`]);
  });

  it('writes at a position with the real calls', async () => {
    const file = await nodeFileIo.open(join(dir, 'p'), 'w');
    await writeAll(file, Buffer.from('hello world'));
    await writeAll(file, Buffer.from('W'), 6);
    await file.truncate(8);
    await file.close();
    expect(await readFile(join(dir, 'p'), 'utf8')).to.equal('hello Wo');
  });
});

describe('storageFullOr', () => {
  it('turns ENOSPC and EDQUOT into storage-full and leaves other errors alone', async () => {
    const { storageFullOr } = await import('../../../src/adapters/outbound/filesystem/storage-full.js');
    const { ioError } = await import('../../../src/adapters/outbound/filesystem/file-io.js');
    expect(storageFullOr(ioError('ENOSPC', 'x'), 'storing fw.bin')).to.have.property('code', 'storage-full');
    expect(storageFullOr(ioError('EDQUOT', 'x'), 'storing fw.bin')).to.have.property('code', 'storage-full');
    const eio = ioError('EIO', 'x');
    expect(storageFullOr(eio, 'storing fw.bin')).to.equal(eio);
  });
});
