import { Transform } from 'node:stream';
import { SingleBar } from 'cli-progress';
import { undoOnInterrupt } from './interruption.js';
import { humanBytes } from './output.js';

/**
 * Counts bytes flowing through it and shows a bar on stderr when stderr is a terminal; quiet
 * otherwise (scripts, CI, --json), so that output stays machine-readable.
 */
export function progressMeter(label: string, total: number | undefined, enabled: boolean): Transform {
  const bar =
    enabled && process.stderr.isTTY && total !== undefined && total > 0
      ? new SingleBar({
          stream: process.stderr,
          format: `${label} [{bar}] {percentage}% {done}/{size}`,
          hideCursor: true,
          clearOnComplete: false,
        })
      : undefined;
  let done = 0;
  // stop() shows the cursor and turns line wrap on again: on Ctrl-C too, and on any exit. Ready
  // before the bar is drawn: a Ctrl-C at the sight of it finds the handler there.
  const forget = bar === undefined ? () => {} : undoOnInterrupt(() => bar.stop());
  bar?.start(total ?? 0, 0, { done: humanBytes(0), size: humanBytes(total ?? 0) });
  const stop = () => {
    bar?.stop();
    forget();
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      bar?.update(done, { done: humanBytes(done), size: humanBytes(total ?? 0) });
      callback(null, chunk);
    },
    flush(callback) {
      stop();
      callback();
    },
    destroy(error, callback) {
      stop();
      callback(error);
    },
  });
}
