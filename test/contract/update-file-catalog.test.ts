import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InMemoryUpdateFileCatalog } from '../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import { SqlJsDatabase } from '../../src/adapters/outbound/sqljs/sqljs-database.js';
import {
  SqlJsUpdateFileCatalog,
  UPDATE_FILE_SCHEMA,
} from '../../src/adapters/outbound/sqljs/sqljs-update-file-catalog.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import { all, entry, image, updateFileCatalogContract } from './update-file-catalog.contract.js';

updateFileCatalogContract('in-memory', { open: async () => new InMemoryUpdateFileCatalog() });

let directory = '';
updateFileCatalogContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-catalog-'));
    return SqlJsUpdateFileCatalog.open(join(directory, 'devices.db'));
  },
  reopen: async (catalog) => {
    await catalog.close();
    return SqlJsUpdateFileCatalog.open(join(directory, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});

describe('SqlJsUpdateFileCatalog on a database made before change tokens', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('opens it unchanged and reads its entries without a token (so they are described again once)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-catalog-old-'));
    const file = join(dir, 'devices.db');
    const old = await SqlJsDatabase.open(file, [UPDATE_FILE_SCHEMA[0] ?? '']);
    await old.write([
      [
        'INSERT INTO update_file (path, size, sha256, modified_ms, stored_at, image) VALUES (?, ?, ?, ?, ?, ?)',
        ['a.bin', 1000, 'cd'.repeat(32), 1764158400123.5, '2026-11-26T12:00:00.000Z', JSON.stringify(image)],
      ],
    ]);
    await old.close();
    const catalog = await SqlJsUpdateFileCatalog.open(file);
    expect(await catalog.get('a.bin' as UpdateFilePath)).to.deep.equal(entry('a.bin'));
    await catalog.put(entry('a.bin', { changeToken: 'now' }));
    expect(await all(catalog)).to.deep.equal([entry('a.bin', { changeToken: 'now' })]);
    await catalog.close();
  });
});
