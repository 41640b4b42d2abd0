import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { probeDirectory } from '../../../src/adapters/outbound/filesystem/directory-probe.js';
import { FileSystemBlobStore } from '../../../src/adapters/outbound/filesystem/filesystem-blob-store.js';

describe('directory probe', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-probe-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('passes for probes of one directory at the same moment (two workers, concurrent health checks)', async () => {
    await Promise.all(Array.from({ length: 20 }, () => probeDirectory(dir)));
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it("is cleaned up by the file store's start once a minute old (a crash cut it short), not while it may run", async () => {
    const old = join(dir, '.fuota-health-probe-0123456789ab');
    await writeFile(old, 'x');
    const minuteAgo = new Date(Date.now() - 61_000);
    await utimes(old, minuteAgo, minuteAgo);
    // Another worker's or instance's, under way: found by a review.
    await writeFile(join(dir, '.fuota-health-probe-ba9876543210'), 'x');
    await writeFile(join(dir, '.fuota-health-probe-notours'), 'x');
    await FileSystemBlobStore.open(dir);
    expect((await readdir(dir)).sort()).to.deep.equal([
      '.fuota-health-probe-ba9876543210',
      '.fuota-health-probe-notours',
    ]);
  });
});
