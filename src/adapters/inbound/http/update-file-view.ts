import type { UpdateFile } from '../../../domain/update-file.js';

/** The JSON an operator sees of a stored file (`GET /api/v1/files`, upload answers). */
export function updateFileView(file: UpdateFile) {
  return {
    path: file.path,
    size: file.size,
    sha256: file.sha256,
    storedAt: file.storedAt,
    // An entry recorded before signatures were verified has no facts: an unsigned image's are none.
    image: file.image === undefined ? null : { ...file.image, signatures: [...(file.image.signatures ?? [])] },
  };
}
