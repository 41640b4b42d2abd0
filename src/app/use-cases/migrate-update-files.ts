import type { BlobInfo, BlobStore } from '../../ports/blob-store.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import type { UpdateFile } from '../../domain/update-file.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';

/*
 * Update files and their catalog entries. A catalog entry describes the bytes of one version of
 * a file (its change token, or size and time for older entries); in another store the copy gets
 * another token and time, so the entry is rewritten with those of the copy, once the copy's
 * SHA-256 (computed while it streamed in) is the one the entry records. An entry that no longer
 * describes its source file (stale: the server describes such files anew) is copied as it is:
 * it will be as stale on the target.
 */

/** Whether the entry describes the stored version `info`. */
export function describes(entry: UpdateFile, info: BlobInfo): boolean {
  if (entry.changeToken !== undefined) return entry.changeToken === info.changeToken;
  return entry.size === info.size && entry.modifiedAtMs === info.modifiedAt.getTime();
}

export interface UpdateFilesCopy {
  readonly copied: number;
  /** Already in the target from an earlier run, unchanged. */
  readonly kept: number;
  /** Files whose copied bytes are not what their catalog entry says (the file is not recorded). */
  readonly mismatched: readonly string[];
  readonly staleEntries: readonly string[];
}

/** Copies every file of `source` into `target` (a different store) with its catalog entry. */
export async function copyUpdateFiles(
  source: { readonly files: BlobStore; readonly catalog: UpdateFileCatalog },
  target: { readonly files: BlobStore; readonly catalog: UpdateFileCatalog },
): Promise<UpdateFilesCopy> {
  let copied = 0;
  let kept = 0;
  const mismatched: string[] = [];
  const staleEntries: string[] = [];
  const current = new Set<UpdateFilePath>();
  for await (const path of source.files.list()) {
    const opened = await source.files.open(path);
    // Deleted since it was listed: nothing to copy (a stopped server deletes nothing, though).
    if (opened === undefined) continue;
    const entry = await source.catalog.get(path);
    const isCurrent = entry !== undefined && describes(entry, opened.info);
    if (isCurrent) current.add(path);
    if (isCurrent && (await alreadyCopied(entry, target, path))) {
      await opened.release();
      kept += 1;
      continue;
    }
    // No size limit: the file was accepted by the source server already.
    const stored = await target.files.put(path, opened.content(), { maxBytes: Number.MAX_SAFE_INTEGER });
    if (isCurrent && (stored.sha256 !== entry.sha256 || stored.size !== entry.size)) {
      // The bytes read are not those the entry describes: keep the copy out of the catalog.
      await stored.settle();
      mismatched.push(
        `${path}: catalog says ${entry.size} bytes sha256 ${entry.sha256}, read ${stored.size} bytes sha256 ${stored.sha256}`,
      );
      continue;
    }
    try {
      if (isCurrent)
        await target.catalog.put({
          ...entry,
          modifiedAtMs: stored.modifiedAt.getTime(),
          changeToken: stored.changeToken,
        });
    } catch (error) {
      await stored.revert();
      throw error;
    }
    await stored.settle();
    copied += 1;
  }
  for await (const entry of source.catalog.list()) {
    if (current.has(entry.path)) continue;
    staleEntries.push(entry.path);
    await target.catalog.put(entry);
  }
  return { copied, kept, mismatched, staleEntries };
}

/** Whether an earlier run copied this version: the target's entry has its digest and describes the target's file. */
async function alreadyCopied(
  entry: UpdateFile,
  target: { readonly files: BlobStore; readonly catalog: UpdateFileCatalog },
  path: UpdateFilePath,
): Promise<boolean> {
  const copy = await target.catalog.get(path);
  if (copy === undefined || copy.sha256 !== entry.sha256 || copy.size !== entry.size) return false;
  const info = await target.files.stat(path, { fresh: true });
  return info !== undefined && describes(copy, info);
}

/** Without a target file store, the files stay where they are: only the catalog is copied. */
export async function copyCatalogOnly(source: UpdateFileCatalog, target: UpdateFileCatalog): Promise<number> {
  let copied = 0;
  for await (const entry of source.list()) {
    await target.put(entry);
    copied += 1;
  }
  return copied;
}
