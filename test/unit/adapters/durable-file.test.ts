import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeFileDurably } from '../../../src/adapters/outbound/filesystem/durable-file.js';
import { FaultyFileIo } from '../../support/faulty-file-io.js';

describe('writeFileDurably on a failing disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-durable-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes every byte through short writes', async () => {
    const io = new FaultyFileIo().inject({ on: 'write', fault: 'short', times: 3 });
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    await writeFileDurably(join(dir, 'f'), bytes, 0o644, io);
    expect(await readFile(join(dir, 'f'))).to.deep.equal(bytes);
    expect(io.fired).to.have.length(3);
  });

  for (const [name, arm] of [
    ['a disk that fills mid-write', (io: FaultyFileIo) => io.fillDisk(100)],
    [
      'ENOSPC on write, and on close too',
      (io: FaultyFileIo) => io.inject({ on: 'write', fault: 'ENOSPC' }).inject({ on: 'close', fault: 'EIO' }),
    ],
    ['EIO on sync', (io: FaultyFileIo) => io.inject({ on: 'sync', fault: 'EIO' })],
  ] as const) {
    it(`leaves the old content and no temporary file after ${name}, reporting the first failure`, async () => {
      await writeFile(join(dir, 'f'), 'old');
      const io = new FaultyFileIo();
      arm(io);
      const error = await writeFileDurably(join(dir, 'f'), Buffer.alloc(1000, 1), 0o644, io).catch((e: unknown) => e);
      expect(error).to.have.property('code', name.includes('sync') ? 'EIO' : 'ENOSPC');
      expect(await readFile(join(dir, 'f'), 'utf8')).to.equal('old');
      expect(await readdir(dir)).to.deep.equal(['f']);
    });
  }
});
