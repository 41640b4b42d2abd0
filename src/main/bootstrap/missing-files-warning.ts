import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';

/** Catalog entries looked up in the file store at start. */
const SAMPLE = 20;

/**
 * Says at start when the file store holds none of the update files the database lists: an
 * instance started with the shared database but without FUOTA_BLOB_URL (or with another bucket,
 * prefix or data dir than the instances that stored them) otherwise starts healthy and tells
 * every device 404. Looks at the first entries only; a store that holds some of them is taken to
 * be the right one (a file deleted behind the server's back is a 404 of its own). Never fails
 * the start: a store or catalog that cannot be read now is the health check's to report.
 */
export async function warnOfMissingFiles(
  catalog: UpdateFileCatalog,
  files: BlobStore,
  where: string,
  logger: Logger,
): Promise<void> {
  try {
    const listed: UpdateFilePath[] = [];
    for await (const file of catalog.list()) {
      listed.push(file.path);
      if (listed.length === SAMPLE) break;
    }
    if (listed.length === 0) return;
    for (const path of listed) if ((await files.stat(path)) !== undefined) return;
    logger.warn('the file store holds none of the update files the database lists: devices are told 404', {
      files: where,
      checked: listed.length,
      missing: listed.slice(0, 3).join(','),
      hint: 'set FUOTA_BLOB_URL (and FUOTA_S3_*) as on the instances that stored them',
    });
  } catch {
    // Unreadable now: /healthz reports the store; this check is only a hint.
  }
}
