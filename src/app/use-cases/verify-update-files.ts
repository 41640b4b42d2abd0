import { hexOf } from '../../domain/hex.js';
import type { Sha256Factory } from '../../domain/firmware/sha256-hasher.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore, OpenedBlob } from '../../ports/blob-store.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import { describes } from './migrate-update-files.js';

export interface FilesVerification {
  readonly source: number;
  readonly target: number;
  /** One line per file whose target bytes are missing or not the source's. */
  readonly differences: readonly string[];
}

/**
 * Reads every file back from the target and compares its size and SHA-256 with what the source
 * catalog records of it (or, for a file the catalog does not describe, with the source file's own).
 */
export async function verifyUpdateFiles(
  source: { readonly files: BlobStore; readonly catalog: UpdateFileCatalog },
  target: BlobStore,
  sha256: Sha256Factory,
): Promise<FilesVerification> {
  let count = 0;
  const differences: string[] = [];
  for await (const path of source.files.list()) {
    count += 1;
    const expected = await expectedDigest(source, path, sha256);
    if (expected === undefined) continue;
    const copy = await target.open(path);
    if (copy === undefined) {
      differences.push(`${path}: missing on the target`);
      continue;
    }
    const actual = await digestOf(copy, sha256);
    if (actual.size !== expected.size || actual.sha256 !== expected.sha256)
      differences.push(
        `${path}: source ${expected.size} bytes sha256 ${expected.sha256}, target ${actual.size} bytes sha256 ${actual.sha256}`,
      );
  }
  let targetCount = 0;
  for await (const _path of target.list()) targetCount += 1;
  return { source: count, target: targetCount, differences };
}

async function expectedDigest(
  source: { readonly files: BlobStore; readonly catalog: UpdateFileCatalog },
  path: UpdateFilePath,
  sha256: Sha256Factory,
): Promise<{ size: number; sha256: string } | undefined> {
  const opened = await source.files.open(path);
  if (opened === undefined) return undefined;
  const entry = await source.catalog.get(path);
  if (entry !== undefined && describes(entry, opened.info)) {
    await opened.release();
    return { size: entry.size, sha256: entry.sha256 };
  }
  return digestOf(opened, sha256);
}

/** Streams the file through SHA-256 (and releases it). */
async function digestOf(opened: OpenedBlob, sha256: Sha256Factory): Promise<{ size: number; sha256: string }> {
  const hasher = sha256();
  let size = 0;
  for await (const chunk of opened.content()) {
    hasher.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hexOf(hasher.digest()) };
}
