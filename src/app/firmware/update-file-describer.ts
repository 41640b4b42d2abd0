import { inject, injectable } from 'inversify';
import type { UpdateFile } from '../../domain/update-file.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import { isUpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobInfo, BlobStore } from '../../ports/blob-store.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import { UPDATE_FILE_CATALOG } from '../../ports/update-file-catalog.port.js';
import { inspectImage } from './image-inspection.js';
import { createHash } from 'node:crypto';

/**
 * The catalog entry of a stored file, made good when it is missing or stale: a file imported,
 * copied in by hand, or replaced between storing and recording (a crash) is read once, hashed
 * and parsed, and its entry recorded, so that ETags and image facts always describe the bytes
 * actually served.
 */
@injectable()
export class UpdateFileDescriber {
  constructor(
    @inject(BLOB_STORE) private readonly files: BlobStore,
    @inject(UPDATE_FILE_CATALOG) private readonly catalog: UpdateFileCatalog,
  ) {}

  /** Undefined when no file is stored at `path` (or `path` is not a valid store path). */
  async describe(path: string): Promise<UpdateFile | undefined> {
    if (!isUpdateFilePath(path)) return undefined;
    const info = await this.files.stat(path);
    return info === undefined ? undefined : this.describeStored(path, info);
  }

  /** The entry for a file whose current size and time are `info`. */
  async describeStored(path: UpdateFilePath, info: BlobInfo): Promise<UpdateFile | undefined> {
    const known = await this.catalog.get(path);
    if (known !== undefined && known.size === info.size && known.modifiedAtMs === info.modifiedAt.getTime()) return known;
    return this.refresh(path);
  }

  private async refresh(path: UpdateFilePath): Promise<UpdateFile | undefined> {
    const opened = await this.files.open(path);
    if (opened === undefined) return undefined;
    const hash = createHash('sha256');
    const { inspection, content } = inspectImage(opened.content(), false);
    for await (const chunk of content) hash.update(chunk);
    const entry: UpdateFile = {
      path,
      size: opened.info.size,
      sha256: hash.digest('hex'),
      modifiedAtMs: opened.info.modifiedAt.getTime(),
      storedAt: opened.info.modifiedAt.toISOString(),
      image: inspection.image,
    };
    await this.catalog.put(entry);
    return entry;
  }
}
