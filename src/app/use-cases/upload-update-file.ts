import { inject, injectable } from 'inversify';
import type { UpdateFile } from '../../domain/update-file.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import { UPDATE_FILE_CATALOG } from '../../ports/update-file-catalog.port.js';
import type { Config } from '../config/config.js';
import { CONFIG } from '../config/config.js';
import { inspectImage } from '../firmware/image-inspection.js';
import { KeyedMutex } from '../firmware/keyed-mutex.js';

export interface UploadOptions {
  /** Refuse anything that is not a valid ESP-IDF application image; defaults to the configuration. */
  readonly validate?: boolean;
  /** Size limit; defaults to the configured upload limit. */
  readonly maxBytes?: number;
}

/**
 * An operator stores (or replaces) an update file. The bytes are parsed as an ESP-IDF image on
 * their way to disk (one pass, constant memory); an invalid image is refused with the reason and
 * nothing is stored, unless validation is off, in which case any bytes are kept, as the seed did.
 */
@injectable()
export class UploadUpdateFile {
  // Storing a file and recording its entry is one step per path, so that two uploads racing for
  // the same path cannot leave the entry of one beside the bytes of the other. Shared with
  // DeleteUpdateFile, so that a deletion and an upload of one path cannot interleave either.
  readonly perPath = new KeyedMutex();

  constructor(
    @inject(BLOB_STORE) private readonly files: BlobStore,
    @inject(UPDATE_FILE_CATALOG) private readonly catalog: UpdateFileCatalog,
    @inject(CONFIG) private readonly config: Config,
  ) {}

  get maxBytes(): number {
    return this.config.maxUploadBytes;
  }

  execute(path: UpdateFilePath, content: AsyncIterable<Uint8Array>, options: UploadOptions = {}): Promise<UpdateFile> {
    const validate = options.validate ?? this.config.validateImages;
    return this.perPath.run(path, async () => {
      const { inspection, content: inspected } = inspectImage(content, validate);
      const stored = await this.files.put(path, inspected, { maxBytes: options.maxBytes ?? this.config.maxUploadBytes });
      const entry: UpdateFile = {
        path,
        size: stored.size,
        sha256: stored.sha256,
        modifiedAtMs: stored.modifiedAt.getTime(),
        changeToken: stored.changeToken,
        storedAt: new Date().toISOString(),
        image: inspection.image,
      };
      await this.catalog.put(entry);
      return entry;
    });
  }
}
