import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream';
import type { Command } from 'commander';
import { isUpdateFilePath, UPDATE_FILE_PATH_RULE } from '../../domain/update-file-path.js';
import { apiPath, failureOf } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import { imageSummary } from '../image-summary.js';
import { humanBytes } from '../output.js';
import { progressMeter } from '../progress.js';

interface StoredFileView {
  path: string;
  size: number;
  sha256: string;
  storedAt: string;
  image: Parameters<typeof imageSummary>[0];
}

export function uploadCommand(program: Command, context: CliContext): void {
  program
    .command('upload')
    .description('upload an update file; the server checks that it is an ESP-IDF application image')
    .argument('<file>', 'the firmware image (build/<project>.bin)')
    .option('--as <path>', 'the update path to store it at (default: the file name)')
    .option('--no-validate', 'store bytes that are not an ESP-IDF image')
    .addHelpText(
      'after',
      '\nExamples:\n  fuota upload build/lamp.bin --as lamp/v2.0.0.bin\n  fuota upload notes.txt --no-validate --json',
    )
    .action(async (file: string, options: { as?: string; validate: boolean }) => {
      let size: number;
      try {
        const info = statSync(file);
        if (!info.isFile()) throw new Error('not a file');
        size = info.size;
      } catch {
        throw new CliFailure(`${file} is not a readable file`, EXIT.usage);
      }
      const target = options.as ?? basename(file);
      const query = options.validate ? '' : '?validate=false';
      // Before the progress bar: a path that names nothing is a usage error, and a bar already
      // drawn would keep the process waiting on its timer.
      const path = `${apiPath('files', ...target.split('/'))}${query}`;
      // Checked here, by the server's own rule, and not left to the server: it invites the body
      // (100 Continue) before its route checks the path, so its 400 raced the body, which met the
      // connection it then closed, and was reported as a lost connection (a new user's try).
      if (!isUpdateFilePath(target))
        throw new CliFailure(
          `${target} is not a valid update path: ${UPDATE_FILE_PATH_RULE}` +
            (options.as === undefined
              ? ` (it is the file's name, the path when --as is not given): store it under another with --as <valid path>, e.g. --as ${suggestedPath(target)}`
              : ''),
          EXIT.rejected,
        );
      const client = context.client();
      await client.ready(); // a password prompt first, then the progress bar
      // pipeline, not pipe: a body the server refuses before taking it is destroyed, and the file
      // is then closed with its progress bar.
      const body = pipeline(
        createReadStream(file),
        progressMeter(`upload ${target}`, size, !context.output.json),
        () => {},
      );
      const res = await client.send('PUT', path, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': size },
        body,
      });
      if (res.status !== 200) throw failureOf(res);
      const stored = JSON.parse(res.body.toString('utf8')) as StoredFileView;
      context.output.result(stored, () =>
        [
          `stored ${stored.path}: ${humanBytes(stored.size)} (${stored.size} bytes)`,
          `  sha256:   ${stored.sha256}`,
          imageSummary(stored.image),
        ].join('\n'),
      );
    });
}

/** `name` made a valid update path: each run of characters the rule does not take as one `-`. */
function suggestedPath(name: string): string {
  const path = name
    .replace(/[^A-Za-z0-9._+/-]+/g, '-')
    .replace(/(^|\/)\.+/g, '$1')
    .replace(/\/+/g, '/')
    .replace(/^\/|\/$/g, '');
  return isUpdateFilePath(path) ? path : 'fw/v1.0.0.bin';
}
