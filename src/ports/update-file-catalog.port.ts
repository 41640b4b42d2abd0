import type { UpdateFile } from '../domain/update-file.js';
import type { UpdateFilePath } from '../domain/update-file-path.js';

/** What is known of each stored update file (size, digest, parsed image). Writes are durable. */
export interface UpdateFileCatalog {
  get(path: UpdateFilePath): Promise<UpdateFile | undefined>;
  /** Every entry in ascending path order, in batches. */
  list(): AsyncIterable<UpdateFile>;
  /** Records or replaces the entry for `file.path`. */
  put(file: UpdateFile): Promise<void>;
  /** Forgets the entry for `path` (none: nothing happens). */
  delete(path: UpdateFilePath): Promise<void>;
  close(): Promise<void>;
}

export const UPDATE_FILE_CATALOG = Symbol.for('fuota.UpdateFileCatalog');
