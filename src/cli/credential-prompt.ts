import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliFailure, EXIT } from './exit-codes.js';

/**
 * Asks on the terminal for what the flags and the environment did not give: the username (echoed)
 * and the password (not echoed). Prompts go to stderr so that stdout stays the command's result.
 * readline owns the terminal (raw mode, line editing); its echo goes through `screen`, which
 * swallows everything while the password is typed.
 */
export async function promptCredential(
  known: { username: string | undefined },
  origin: string,
): Promise<{ username: string; password: string }> {
  let muted = false;
  const screen = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output: screen, terminal: true });
  const ask = (prompt: string, hidden: boolean) =>
    new Promise<string>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        rl.off('SIGINT', interrupted).off('close', closed);
        muted = false;
        outcome();
      };
      const interrupted = () => settle(() => {
        process.stderr.write('\n');
        reject(new CliFailure('interrupted', EXIT.interrupted));
      });
      // Ctrl-D, or the terminal went away, before an answer.
      const closed = () => settle(() => {
        process.stderr.write('\n');
        reject(new CliFailure(`no ${hidden ? 'password' : 'username'} entered`, EXIT.usage));
      });
      rl.on('SIGINT', interrupted).on('close', closed);
      process.stderr.write(prompt);
      muted = hidden;
      rl.question('', (answer) => settle(() => {
        // The Enter that ended a hidden answer was not echoed either.
        if (hidden) process.stderr.write('\n');
        resolve(answer);
      }));
    });
  try {
    const username = known.username ?? (await ask(`Username for ${origin}: `, false));
    const password = await ask(`Password for ${username} at ${origin}: `, true);
    if (username === '' || password === '') throw new CliFailure(`no ${username === '' ? 'username' : 'password'} entered`, EXIT.usage);
    return { username, password };
  } finally {
    rl.close();
  }
}
