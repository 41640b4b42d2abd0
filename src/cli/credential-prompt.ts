import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliFailure, EXIT } from './exit-codes.js';

/**
 * Asks on the terminal for the password of `username` that the flags and the environment did not
 * give (not echoed). The prompt goes to stderr so that stdout stays the command's result.
 * readline owns the terminal (raw mode, line editing); its echo goes through `screen`, which
 * swallows everything while the password is typed.
 */
export async function promptCredential(username: string, origin: string): Promise<string> {
  let muted = false;
  const screen = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output: screen, terminal: true });
  try {
    const password = await new Promise<string>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        rl.off('SIGINT', interrupted).off('close', closed);
        muted = false;
        outcome();
      };
      const interrupted = () =>
        settle(() => {
          process.stderr.write('\n');
          reject(new CliFailure('interrupted', EXIT.interrupted));
        });
      // Ctrl-D, or the terminal went away, before an answer.
      const closed = () =>
        settle(() => {
          process.stderr.write('\n');
          reject(new CliFailure('no password entered', EXIT.usage));
        });
      rl.on('SIGINT', interrupted).on('close', closed);
      process.stderr.write(`Password for ${username} at ${origin}: `);
      muted = true;
      rl.question('', (answer) =>
        settle(() => {
          // The Enter that ended the answer was not echoed either.
          process.stderr.write('\n');
          resolve(answer);
        }),
      );
    });
    if (password === '') throw new CliFailure('no password entered', EXIT.usage);
    return password;
  } finally {
    rl.close();
  }
}
