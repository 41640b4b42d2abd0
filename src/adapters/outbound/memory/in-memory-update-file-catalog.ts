import type { UpdateFile } from '../../../domain/update-file.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { UpdateFileCatalog } from '../../../ports/update-file-catalog.port.js';

/** The catalog held in a Map: for tests and throw-away servers. */
export class InMemoryUpdateFileCatalog implements UpdateFileCatalog {
  private readonly entries = new Map<UpdateFilePath, UpdateFile>();

  async get(path: UpdateFilePath): Promise<UpdateFile | undefined> {
    return this.entries.get(path);
  }

  async *list(): AsyncIterable<UpdateFile> {
    const paths = [...this.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const path of paths) {
      const entry = this.entries.get(path);
      if (entry !== undefined) yield entry;
    }
  }

  async put(file: UpdateFile): Promise<void> {
    this.entries.set(file.path, file);
  }

  async delete(path: UpdateFilePath): Promise<void> {
    this.entries.delete(path);
  }

  async close(): Promise<void> {}
}
