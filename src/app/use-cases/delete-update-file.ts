import { inject, injectable } from 'inversify';
import type { DeviceId } from '../../domain/device-id.js';
import { DomainError } from '../../domain/domain-error.js';
import type { UpdateFile } from '../../domain/update-file.js';
import { UpdateFileInUse } from '../../domain/update-file-in-use.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import { UPDATE_FILE_CATALOG } from '../../ports/update-file-catalog.port.js';
import { UpdateFileDescriber } from '../firmware/update-file-describer.js';
import { UpdateFileLocks } from '../firmware/update-file-locks.js';

export interface DeletedUpdateFile {
  /** What the file was, as `GET /api/v1/files/<path>` described it. */
  readonly file: UpdateFile;
  /** Rows that still name the path (a forced deletion): their devices get 404 until it is stored again. */
  readonly namedBy: readonly DeviceId[];
}

/**
 * An operator deletes a stored file. Refused while device rows name it (each of those devices
 * would be told 404), unless forced.
 */
@injectable()
export class DeleteUpdateFile {
  constructor(
    @inject(BLOB_STORE) private readonly files: BlobStore,
    @inject(UPDATE_FILE_CATALOG) private readonly catalog: UpdateFileCatalog,
    @inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository,
    @inject(UpdateFileDescriber) private readonly describer: UpdateFileDescriber,
    @inject(UpdateFileLocks) private readonly locks: UpdateFileLocks,
  ) {}

  execute(path: UpdateFilePath, options: { readonly force?: boolean } = {}): Promise<DeletedUpdateFile> {
    // Under the path's lock: an upload of the same path, or an assignment naming it, runs wholly
    // before or after, so none can leave an entry without its file, a file without its entry, or
    // a row assigned between the check of the rows and the deletion.
    return this.locks.run(path, async () => {
      const file = await this.describer.describeLocked(path);
      if (file === undefined) throw notFound(path);
      const namedBy = (await this.devices.namingFile(path)).map((row) => row.deviceId);
      if (namedBy.length > 0 && options.force !== true) throw new UpdateFileInUse(path, namedBy);
      // The entry first: if that fails, nothing changed and the error says so. If the file's
      // removal fails after it, the file is still served (the store is the truth) and simply
      // described afresh, so the error ("not deleted") is true either way.
      await this.catalog.delete(path);
      if (!(await this.files.delete(path))) throw notFound(path);
      return { file, namedBy };
    });
  }
}

function notFound(path: string): DomainError {
  return new DomainError('file-not-found', `no update file at ${path}`);
}
