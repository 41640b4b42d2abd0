import { spawn } from 'node:child_process';
import { CLI } from './cli-bench.js';

/** `fuota` running on a pseudo-terminal (script(1)): what it drew so far, and keys to type. */
export interface CliOnTerminal {
  /** Everything written to the terminal so far (stdout and stderr alike, as a terminal shows them). */
  output(): string;
  /** Resolves once the output includes `text`. */
  shows(text: string): Promise<void>;
  /** Types `keys` on the terminal (`\u0003` is Ctrl-C: the terminal sends SIGINT). */
  type(keys: string): void;
  /** The exit status, once it has ended. */
  readonly exited: Promise<number | null>;
  kill(): void;
}

export function cliOnTerminal(args: string[], cwd: string, env: Record<string, string>): CliOnTerminal {
  const command = [process.execPath, CLI, ...args].map((part) => `'${part}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const waiting: Array<{ text: string; resolve: () => void }> = [];
  const heard = (chunk: Buffer) => {
    output += chunk.toString();
    for (const wait of [...waiting]) {
      if (output.includes(wait.text)) {
        waiting.splice(waiting.indexOf(wait), 1);
        wait.resolve();
      }
    }
  };
  child.stdout.on('data', heard);
  child.stderr.on('data', heard);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    output: () => output,
    shows: (text) =>
      output.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiting.push({ text, resolve });
            void exited.then(() => reject(new Error(`ended without showing ${JSON.stringify(text)}:\n${output}`)));
          }),
    type: (keys) => child.stdin.write(keys),
    exited,
    kill: () => child.kill(),
  };
}
