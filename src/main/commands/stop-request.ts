import { once } from 'node:events';

/**
 * Resolves with what asked the server to stop: SIGINT or SIGTERM, or (with `stdinClose`) the end
 * of standard input, so that a test runner that dies, even by SIGKILL, takes the server along:
 * its end of the pipe closes with it. Whatever arrives on standard input meanwhile is read and
 * dropped. The listeners are in place when it returns; `abort` (the caller gave up for another
 * reason: a start that failed) takes them away again, resolving with 'aborted'.
 */
export async function stopRequest(options: {
  readonly stdinClose: boolean;
  /** SIGINT and SIGTERM unless given. */
  readonly signals?: readonly NodeJS.Signals[];
  readonly abort?: AbortSignal;
}): Promise<string> {
  const controller = new AbortController();
  const aborted = new Promise<string>((resolve) => {
    if (options.abort?.aborted === true) resolve('aborted');
    options.abort?.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  // Rejected with an AbortError once the race is over: nothing waits for them then.
  const signals = (options.signals ?? ['SIGINT', 'SIGTERM']).map(async (name) =>
    String((await once(process, name, { signal: controller.signal }))[0]),
  );
  for (const signal of signals) signal.catch(() => {});
  if (!options.stdinClose) {
    try {
      return await Promise.race([...signals, aborted]);
    } finally {
      controller.abort();
    }
  }
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
    return await Promise.race([...signals, closed, aborted]);
  } finally {
    controller.abort();
    stdin.pause();
    // Not waited for any longer: the event loop may end while it is open (a file or /dev/null as
    // standard input has no unref).
    (stdin as { unref?: () => void }).unref?.();
  }
}
