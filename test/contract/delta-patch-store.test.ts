import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { BlobDeltaPatchStore } from '../../src/adapters/outbound/delta/blob-delta-patch-store.js';
import { FileSystemBlobStore } from '../../src/adapters/outbound/filesystem/filesystem-blob-store.js';
import { InMemoryBlobStore } from '../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { S3BlobStore } from '../../src/adapters/outbound/s3/s3-blob-store.js';
import { openFilesystemBlobs } from '../../src/main/bootstrap/blob-storage.js';
import { S3_DELTAS_AREA } from '../../src/main/bootstrap/s3-blob-storage.js';
import type { TestS3Server } from '../support/s3-server.js';
import { requireS3Server } from '../support/s3-server.js';
import { deltaPatchStoreContract, patchId } from './delta-patch-store.contract.js';

deltaPatchStoreContract('in memory', {
  open: async () => {
    const blobs = new InMemoryBlobStore();
    return { store: new BlobDeltaPatchStore(blobs), close: () => blobs.close() };
  },
});

let dir = '';
const onDisk = async () => {
  const blobs = await FileSystemBlobStore.open(join(dir, 'deltas'));
  return { store: new BlobDeltaPatchStore(blobs), close: () => blobs.close() };
};
deltaPatchStoreContract('filesystem', {
  open: async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-deltas-'));
    return onDisk();
  },
  reopen: onDisk,
  cleanup: () => rm(dir, { recursive: true, force: true }),
});

describe('DeltaPatchStore beside the update files', () => {
  it('on the filesystem, keeps patches in deltas/ beside files/, where no update file path reaches', async () => {
    const data = await mkdtemp(join(tmpdir(), 'fuota-deltas-'));
    try {
      const storage = await openFilesystemBlobs(join(data, 'files'), join(data, 'deltas'));
      const id = patchId('a', 'b');
      await storage.deltas.put(id, Buffer.from('patch'));
      expect(await readdir(join(data, 'deltas'))).to.deep.equal([id]);
      const files: string[] = [];
      for await (const path of storage.files.list()) files.push(path);
      expect(files).to.deep.equal([]);
      await storage.close();
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});

let server: TestS3Server | undefined;
let testNumber = 0;
let prefix = '';

describe('DeltaPatchStore on s3rver', function () {
  before(async function () {
    server = await requireS3Server(this);
  });
  after(async () => {
    await server?.stop();
  });

  const onS3 = async () => {
    const blobs = await S3BlobStore.open({
      client: server!.client,
      bucket: server!.bucket,
      prefix,
      area: S3_DELTAS_AREA,
    });
    return { store: new BlobDeltaPatchStore(blobs), close: () => blobs.close() };
  };
  deltaPatchStoreContract('S3-compatible (s3rver), <prefix>/.deltas/', {
    open: () => {
      prefix = `t${++testNumber}/files`;
      return onS3();
    },
    reopen: onS3,
    cleanup: () => server!.empty(),
  });

  it("keeps patches under <prefix>/.deltas/, which the update files' store never lists", async () => {
    const files = await S3BlobStore.open({ client: server!.client, bucket: server!.bucket, prefix: 'fleet' });
    prefix = 'fleet';
    const { store, close } = await onS3();
    const id = patchId('a', 'b');
    await store.put(id, Buffer.from('patch'));
    const listedFiles: string[] = [];
    for await (const path of files.list()) listedFiles.push(path);
    expect(listedFiles).to.deep.equal([]);
    expect(await files.stat(`.deltas/${id}` as never).catch(() => 'refused')).to.not.have.property('size');
    await close();
    await files.close();
    await server!.empty();
  });
});
