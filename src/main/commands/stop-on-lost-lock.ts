/**
 * What a command does when its data-dir lock is lost while it runs: another process may now own
 * the data dir, so writing anything more (even a clean shutdown's final flush) could destroy that
 * process's data. Says why on stderr (synchronously: nothing asynchronous is waited for) and exits.
 */
export function stopOnLostLock(error: Error): never {
  process.stderr.write(`fuota: ${error.message}; stopping at once without writing anything more\n`);
  process.exit(1);
}
