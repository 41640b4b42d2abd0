import type { BigIntStats } from 'node:fs';
import type { BlobInfo } from '../../../ports/blob-store.port.js';

/**
 * What `stat` says of a stored file, as the port's BlobInfo. The change token is the inode with
 * size, modification and change time in nanoseconds: a file renamed in has another inode, and an
 * edit in place moves the change time, which (unlike the modification time) no user can set back.
 * Its limit is the file system clock's tick (a few milliseconds): a second edit of the same size
 * within the tick of the previous change leaves the times as they were.
 */
export function blobInfo(found: BigIntStats): BlobInfo {
  return {
    size: Number(found.size),
    modifiedAt: found.mtime,
    changeToken: `${found.ino}:${found.size}:${found.mtimeNs}:${found.ctimeNs}`,
  };
}
