import { hexOf } from '../../domain/hex.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { UpdateFile } from '../../domain/update-file.js';
import type { Sha256Factory } from '../../ports/sha256.port.js';

/**
 * The stored bytes of `file`, whole, when they are still the ones its catalog entry describes
 * (checked by SHA-256); undefined when the file is gone or was replaced since. Patches are made
 * from exact bytes: a patch from other bytes would rebuild another image on the device.
 */
export async function wholeBlob(
  files: BlobStore,
  file: UpdateFile,
  sha256: Sha256Factory,
): Promise<Uint8Array | undefined> {
  const opened = await files.open(file.path);
  if (opened === undefined) return undefined;
  const bytes = new Uint8Array(opened.info.size);
  try {
    let filled = 0;
    while (filled < bytes.length) {
      const count = await opened.read(bytes.subarray(filled), filled);
      if (count === 0) break;
      filled += count;
    }
    if (filled !== bytes.length) return undefined;
  } finally {
    await opened.release();
  }
  const hasher = sha256();
  hasher.update(bytes);
  return hexOf(hasher.digest()) === file.sha256 ? bytes : undefined;
}
