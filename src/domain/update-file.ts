import type { EspImageInfo } from './firmware/esp-image-info.js';
import type { UpdateFilePath } from './update-file-path.js';

/** What the server knows of one stored update file. */
export interface UpdateFile {
  readonly path: UpdateFilePath;
  readonly size: number;
  /** SHA-256 of the whole file, lowercase hex: the download's strong ETag. */
  readonly sha256: string;
  /**
   * The stored file's modification time (ms) this entry describes: a file replaced behind the
   * server's back (or by a crash between storing it and recording it) no longer matches.
   */
  readonly modifiedAtMs: number;
  /**
   * The store's change token of the version this entry describes (see BlobInfo): unlike size and
   * time it changes with every edit. Absent in entries recorded before it existed.
   */
  readonly changeToken?: string;
  readonly storedAt: string;
  /** The parsed application image, or undefined for a file that is not one (stored unvalidated). */
  readonly image: EspImageInfo | undefined;
}
