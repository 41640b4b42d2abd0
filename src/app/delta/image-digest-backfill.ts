import type { UpdateFile } from '../../domain/update-file.js';
import type { Logger } from '../../ports/logger.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import type { UpdateFileDescriber } from '../firmware/update-file-describer.js';

/** An image entry recorded before the appended SHA-256 was read: not yet a possible delta base. */
function lacksDigest(file: UpdateFile): boolean {
  return file.image?.hashAppended === true && file.image.appendedSha256 === undefined;
}

/**
 * Reads once, in the background after a start, the images whose catalog entries were recorded
 * before the appended SHA-256 was (an upgrade): devices running them report that digest, and
 * patches from them are found by it. `changed` is told when any entry was made good (the stored
 * images' views are read again). Resolves to how many were.
 */
export async function backfillImageDigests(
  catalog: UpdateFileCatalog,
  describer: Pick<UpdateFileDescriber, 'describe'>,
  changed: () => Promise<void>,
  logger: Logger,
): Promise<number> {
  const stale: UpdateFile[] = [];
  for await (const file of catalog.list()) if (lacksDigest(file)) stale.push(file);
  let done = 0;
  for (const file of stale) {
    try {
      const described = await describer.describe(file.path);
      if (described?.image?.appendedSha256 !== undefined) done++;
    } catch (error) {
      logger.warn("an image's appended SHA-256 could not be read", { path: file.path, error });
    }
  }
  if (done > 0) {
    logger.info("images' appended SHA-256 read for entries recorded before it was", { files: done });
    await changed();
  }
  return done;
}
