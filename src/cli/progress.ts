import { Transform } from 'node:stream';
import { SingleBar } from 'cli-progress';
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
  bar?.start(total ?? 0, 0, { done: humanBytes(0), size: humanBytes(total ?? 0) });
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      bar?.update(done, { done: humanBytes(done), size: humanBytes(total ?? 0) });
      callback(null, chunk);
    },
    flush(callback) {
      bar?.stop();
      callback();
    },
    destroy(error, callback) {
      bar?.stop();
      callback(error);
    },
  });
}
