import { once } from 'node:events';

/**
 * Resolves with what asked the server to stop: SIGINT or SIGTERM, or (with `stdinClose`) the end
 * of standard input, so that a test runner that dies, even by SIGKILL, takes the server along:
 * its end of the pipe closes with it. Whatever arrives on standard input meanwhile is read and
 * dropped.
 */
export async function stopRequest(options: {
  readonly stdinClose: boolean;
  /** SIGINT and SIGTERM unless given. */
  readonly signals?: readonly NodeJS.Signals[];
}): Promise<string> {
  const signals = (options.signals ?? ['SIGINT', 'SIGTERM']).map(async (name) =>
    String((await once(process, name))[0]),
  );
  if (!options.stdinClose) return Promise.race(signals);
  const stdin = process.stdin;
  const closed = new Promise<string>((resolve) => {
    const done = () => resolve('stdin closed');
    stdin.once('end', done);
    stdin.once('close', done);
    // A read error on a pipe whose writer vanished is the same news.
    stdin.once('error', done);
  });
  stdin.resume();
  try {
    return await Promise.race([...signals, closed]);
  } finally {
    stdin.pause();
    // Not waited for any longer: the event loop may end while it is open (a file or /dev/null as
    // standard input has no unref).
    (stdin as { unref?: () => void }).unref?.();
  }
}
