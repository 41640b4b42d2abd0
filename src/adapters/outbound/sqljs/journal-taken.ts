/**
 * The journal is no longer this process's: the segment it appends to has no name left (another
 * process folded the journal and removed it), or the next segment already exists (another process
 * made it). Only a process that took the data dir over does either, so the lock was lost: nothing
 * more may be written or acknowledged, as the other process will never replay it.
 */
export class JournalTaken extends Error {
  constructor(segment: string, what: 'removed' | 'made') {
    super(
      what === 'removed'
        ? `another process removed the journal segment ${segment} this process appends to (it took the data dir over); the writes being saved were refused`
        : `another process made the journal segment ${segment} (it took the data dir over); the writes being saved were refused`,
    );
    this.name = 'JournalTaken';
  }
}
