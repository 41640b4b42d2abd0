import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FileSystemBlobStore } from '../../src/adapters/outbound/filesystem/filesystem-blob-store.js';
import { InMemoryDeviceAppRepository } from '../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import { SqlJsDatabase } from '../../src/adapters/outbound/sqljs/sqljs-database.js';
import {
  SqlJsUpdateFileCatalog,
  UPDATE_FILE_SCHEMA,
} from '../../src/adapters/outbound/sqljs/sqljs-update-file-catalog.js';
import type { Config } from '../../src/app/config/config.js';
import { UpdateFileDescriber } from '../../src/app/firmware/update-file-describer.js';
import { UpdateFileLocks } from '../../src/app/firmware/update-file-locks.js';
import { TrustedKeys } from '../../src/app/firmware/trusted-keys.js';
import { InMemoryTrustedKeyStore } from '../../src/adapters/outbound/memory/in-memory-trusted-key-store.js';
import { DeleteUpdateFile } from '../../src/app/use-cases/delete-update-file.js';
import { UploadUpdateFile } from '../../src/app/use-cases/upload-update-file.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import { FaultyFileIo } from '../support/faulty-file-io.js';
import { readAll } from '../contract/blob-store.contract.js';
import { nodeSha256 } from '../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../src/adapters/outbound/crypto/node-signature-verifier.js';

const path = 'fw/app.bin' as UpdateFilePath;
const config = { maxUploadBytes: 1 << 20, validateImages: false } as Config;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

/**
 * Uploads and deletions whose catalog write fails (the journal append hits a full disk) with the
 * real sql.js catalog and file store: the answer is an error, and what it refused is never served.
 */
describe('Uploads and deletions whose catalog write fails', () => {
  let dir: string;
  let io: FaultyFileIo;
  let database: SqlJsDatabase;
  let files: FileSystemBlobStore;
  let catalog: SqlJsUpdateFileCatalog;
  let describer: UpdateFileDescriber;
  let upload: UploadUpdateFile;
  let remove: DeleteUpdateFile;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-catalog-faults-'));
    io = new FaultyFileIo();
    database = await SqlJsDatabase.open(join(dir, 'devices.db'), UPDATE_FILE_SCHEMA, { io });
    catalog = new SqlJsUpdateFileCatalog(database);
    files = await FileSystemBlobStore.open(join(dir, 'files'));
    const devices = new InMemoryDeviceAppRepository();
    const locks = new UpdateFileLocks();
    describer = new UpdateFileDescriber(files, catalog, nodeSha256, locks, nodeSignatureVerifier);
    upload = new UploadUpdateFile(
      files,
      catalog,
      devices,
      config,
      locks,
      nodeSha256,
      nodeSignatureVerifier,
      new TrustedKeys([], new InMemoryTrustedKeyStore()),
    );
    remove = new DeleteUpdateFile(files, catalog, devices, describer, locks);
  });
  afterEach(async () => {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  const fullJournal = () => io.inject({ on: 'write', path: /journal/, fault: 'ENOSPC', times: Infinity });
  const hiddenNames = async () =>
    (await readdir(join(dir, 'files'), { recursive: true }))
      .map(String)
      .filter((name) => name.includes('/.') || name.startsWith('.'));

  it('answers an upload storage-full and serves the previous bytes with the previous entry', async () => {
    const previous = await upload.execute(path, bytes('the previous version'));
    fullJournal();
    const failed = await upload.execute(path, bytes('a new version, refused')).catch((e: unknown) => e);
    expect(failed).to.have.property('code', 'storage-full');
    io.heal();
    expect((await readAll(files, path))?.toString()).to.equal('the previous version');
    expect(await catalog.get(path), 'the entry is the previous one').to.deep.equal(previous);
    expect(await describer.describe(path)).to.include({ size: 20, sha256: sha256('the previous version') });
    expect(await hiddenNames(), 'no previous version left aside').to.deep.equal([]);
  });

  it('answers an upload to a new path storage-full and stores no file and no entry', async () => {
    fullJournal();
    expect(await upload.execute(path, bytes('refused')).catch((e: unknown) => e)).to.have.property(
      'code',
      'storage-full',
    );
    io.heal();
    expect(await files.stat(path)).to.equal(undefined);
    expect(await catalog.get(path)).to.equal(undefined);
    expect(await describer.describe(path)).to.equal(undefined);
    expect(await readdir(join(dir, 'files')), 'the directory made for it is gone too').to.deep.equal([]);
  });

  it('answers a deletion storage-full and keeps both the file and its entry', async () => {
    const stored = await upload.execute(path, bytes('kept'));
    fullJournal();
    expect(await remove.execute(path).catch((e: unknown) => e)).to.have.property('code', 'storage-full');
    io.heal();
    expect((await readAll(files, path))?.toString()).to.equal('kept');
    expect(await catalog.get(path)).to.deep.equal(stored);
    expect(await describer.describe(path)).to.deep.equal(stored);
  });
});
