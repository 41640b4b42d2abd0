/**
 * Lets the reader of our output go away early (`fuota --help | head -3`, `fuota files | head -1`)
 * without a crash. Node ignores SIGPIPE, so a write to a pipe nobody reads any more fails with
 * EPIPE, and an 'error' event nobody listens to ends the process with a stack trace. The reader
 * took what it wanted: the rest of the output is dropped (the stream is destroyed by then, and
 * writes to it are discarded), and the command goes on to its own exit status, so that a
 * cut-short listing still exits 0 and a failure still exits with its code. Other write errors are
 * not ours to hide.
 */
export function ignoreBrokenPipes(streams: readonly NodeJS.WritableStream[]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}
