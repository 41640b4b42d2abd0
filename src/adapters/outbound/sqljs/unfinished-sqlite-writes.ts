import { open } from 'node:fs/promises';

/** What every rollback journal starts with while it holds a transaction's original pages. */
const JOURNAL_MAGIC = Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);
/** A write-ahead log's header; frames (committed pages not yet in the database file) follow it. */
const WAL_HEADER_BYTES = 32;

/**
 * Why the bytes of SQLite database `file` alone are not its content, or undefined when they are.
 * sql.js reads the file only: pages still in a write-ahead log (`-wal`) would be lost, and a
 * rollback journal of a write cut off (`-journal`, hot) means the file holds half of that write.
 * SQLite's own shell settles either when it opens the database.
 */
export async function unfinishedSqliteWrites(file: string): Promise<string | undefined> {
  const wal = await firstBytes(`${file}-wal`, WAL_HEADER_BYTES + 1);
  if (wal.length > WAL_HEADER_BYTES) {
    return (
      `${file}-wal holds writes that are not in ${file} yet: stop the program that writes it (the seed ` +
      `server), run sqlite3 ${file} 'PRAGMA wal_checkpoint(TRUNCATE)', then import again`
    );
  }
  const journal = await firstBytes(`${file}-journal`, JOURNAL_MAGIC.length);
  if (journal.equals(JOURNAL_MAGIC)) {
    return (
      `${file}-journal is the journal of a write that was not finished (the seed server is running, or ` +
      `stopped in the middle of a write): stop the seed server, run sqlite3 ${file} 'PRAGMA integrity_check' ` +
      '(which rolls that write back), then import again'
    );
  }
  return undefined;
}

/** Up to `count` bytes from the start of `path`; none when it does not exist. */
async function firstBytes(path: string, count: number): Promise<Buffer> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (handle === undefined) return Buffer.alloc(0);
  try {
    const buffer = Buffer.alloc(count);
    const { bytesRead } = await handle.read(buffer, 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
