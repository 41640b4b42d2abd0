import { inject, injectable } from 'inversify';
import { DomainError } from '../../domain/domain-error.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore, OpenedBlob } from '../../ports/blob-store.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';

/** A device (or an operator) downloads an update file. */
@injectable()
export class OpenUpdateFile {
  constructor(@inject(BLOB_STORE) private readonly files: BlobStore) {}

  async execute(path: UpdateFilePath): Promise<OpenedBlob> {
    const opened = await this.files.open(path);
    if (opened === undefined) throw new DomainError('file-not-found', `no update file at ${path}`);
    return opened;
  }
}
