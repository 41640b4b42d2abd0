import { expect } from 'chai';
import type { EspImageInfo } from '../../src/domain/firmware/esp-image-info.js';
import type { UpdateFile } from '../../src/domain/update-file.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import type { UpdateFileCatalog } from '../../src/ports/update-file-catalog.port.js';

export const image: EspImageInfo = {
  chip: 'esp32',
  chipId: 0,
  minChipRev: 0,
  minChipRevFull: 0,
  maxChipRevFull: 399,
  segmentCount: 5,
  hashAppended: true,
  imageLength: 1000,
  projectName: 'demo',
  version: 'v1.2.3',
  idfVersion: 'v5.1',
  secureVersion: 2,
  elfSha256: 'ab'.repeat(32),
  compileDate: 'Nov 26 2026',
  compileTime: '12:00:00',
  signed: false,
  signatureBlocks: 0,
};

export function entry(path: string, extra: Partial<UpdateFile> = {}): UpdateFile {
  return {
    path: path as UpdateFilePath,
    size: 1000,
    sha256: 'cd'.repeat(32),
    modifiedAtMs: 1764158400123.5,
    storedAt: '2026-11-26T12:00:00.000Z',
    image,
    ...extra,
  };
}

export async function all(catalog: UpdateFileCatalog): Promise<UpdateFile[]> {
  const out: UpdateFile[] = [];
  for await (const item of catalog.list()) out.push(item);
  return out;
}

/**
 * What every UpdateFileCatalog adapter promises. `open` gives a fresh, empty catalog; `reopen`
 * (for durable adapters) closes it and opens what it left behind.
 */
export function updateFileCatalogContract(
  name: string,
  hooks: {
    open: () => Promise<UpdateFileCatalog>;
    reopen?: (c: UpdateFileCatalog) => Promise<UpdateFileCatalog>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`UpdateFileCatalog contract: ${name}`, () => {
    let catalog: UpdateFileCatalog;
    beforeEach(async () => {
      catalog = await hooks.open();
    });
    afterEach(async () => {
      await catalog.close();
      await hooks.cleanup?.();
    });

    it('records, reads back and replaces entries, with and without an image', async () => {
      expect(await catalog.get('a.bin' as UpdateFilePath)).to.equal(undefined);
      await catalog.put(entry('a.bin'));
      expect(await catalog.get('a.bin' as UpdateFilePath)).to.deep.equal(entry('a.bin'));
      await catalog.put(entry('a.bin', { size: 5, image: undefined }));
      expect(await catalog.get('a.bin' as UpdateFilePath)).to.deep.equal(entry('a.bin', { size: 5, image: undefined }));
    });

    it('keeps the change token of an entry, and replaces it with the entry', async () => {
      await catalog.put(entry('a.bin', { changeToken: '1234:1000:1764158400123456789:1764158400123456789' }));
      expect(await catalog.get('a.bin' as UpdateFilePath)).to.deep.equal(
        entry('a.bin', { changeToken: '1234:1000:1764158400123456789:1764158400123456789' }),
      );
      await catalog.put(entry('a.bin', { changeToken: 'another' }));
      expect(await all(catalog)).to.deep.equal([entry('a.bin', { changeToken: 'another' })]);
      await catalog.put(entry('a.bin'));
      expect(await catalog.get('a.bin' as UpdateFilePath)).to.deep.equal(entry('a.bin'));
    });

    it('deletes an entry (and deleting a missing one does nothing)', async () => {
      await catalog.put(entry('a.bin', { changeToken: 'token' }));
      await catalog.put(entry('b.bin'));
      await catalog.delete('a.bin' as UpdateFilePath);
      await catalog.delete('never.bin' as UpdateFilePath);
      expect(await catalog.get('a.bin' as UpdateFilePath)).to.equal(undefined);
      expect(await all(catalog)).to.deep.equal([entry('b.bin')]);
      // Recorded again, it has only what the new entry says (no token left from before).
      await catalog.put(entry('a.bin'));
      expect(await catalog.get('a.bin' as UpdateFilePath)).to.deep.equal(entry('a.bin'));
    });

    it('lists every entry in path order across pages', async () => {
      const paths = Array.from({ length: 1203 }, (_, i) => `fw/${String(i).padStart(4, '0')}.bin`);
      await Promise.all([...paths].reverse().map((path) => catalog.put(entry(path))));
      expect((await all(catalog)).map((e) => e.path)).to.deep.equal(paths);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('keeps every entry across close and reopen', async () => {
        await catalog.put(entry('a.bin'));
        await catalog.put(entry('b/c.bin', { image: undefined, changeToken: 'token' }));
        await catalog.put(entry('deleted.bin'));
        await catalog.delete('deleted.bin' as UpdateFilePath);
        catalog = await reopen(catalog);
        expect(await all(catalog)).to.deep.equal([
          entry('a.bin'),
          entry('b/c.bin', { image: undefined, changeToken: 'token' }),
        ]);
      });
    }
  });
}
