import { inject, injectable } from 'inversify';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore, StoredBlob } from '../../ports/blob-store.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';
import type { Config } from '../config/config.js';
import { CONFIG } from '../config/config.js';

/** An operator stores (or replaces) an update file. */
@injectable()
export class UploadUpdateFile {
  constructor(
    @inject(BLOB_STORE) private readonly files: BlobStore,
    @inject(CONFIG) private readonly config: Config,
  ) {}

  get maxBytes(): number {
    return this.config.maxUploadBytes;
  }

  execute(path: UpdateFilePath, content: AsyncIterable<Uint8Array>): Promise<StoredBlob> {
    return this.files.put(path, content, { maxBytes: this.config.maxUploadBytes });
  }
}
