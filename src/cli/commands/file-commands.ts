import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { constants } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { EspImageInfo } from '../../domain/firmware/esp-image-info.js';
import { apiPath, failureOf, PROBE_HEADERS } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import { undoOnInterrupt } from '../interruption.js';
import { humanBytes, table } from '../output.js';
import { progressMeter } from '../progress.js';

interface FileView {
  path: string;
  size: number;
  sha256: string;
  storedAt: string;
  image: EspImageInfo | null;
}

/** The stored files: list, download. */
export function fileCommands(program: Command, context: CliContext): void {
  program
    .command('files')
    .description('list the stored update files with what the server read from them')
    .addHelpText('after', '\nExample:\n  fuota files')
    .action(async () => {
      const res = await context.client().expect([200], 'GET', '/api/v1/files');
      const files = JSON.parse(res.body.toString('utf8')) as FileView[];
      context.output.result(files, () =>
        files.length === 0
          ? 'no stored files'
          : table(
              ['PATH', 'SIZE', 'VERSION', 'CHIP', 'STORED'],
              files.map((file) => [
                file.path,
                humanBytes(file.size),
                file.image?.version ?? '-',
                file.image?.chip ?? '-',
                file.storedAt,
              ]),
            ),
      );
    });

  program
    .command('download')
    .description('download a stored file, checking its size and SHA-256 (the ETag)')
    .argument('<path>', 'the update path')
    .option(
      '-o, --output <file>',
      "where to write it (default: the path's file name; a directory: into it under that name; - for standard output)",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  fuota download lamp/v2.0.0.bin -o /tmp/lamp.bin\n  fuota download lamp/v2.0.0.bin -o - | esptool.py image_info /dev/stdin',
    )
    .action(async (path: string, options: { output?: string }) => {
      // Only `-o -` means standard output: a stored file may well be named "-".
      const toStdout = options.output === '-';
      // Into an existing directory under the file's name, as cp does (it was downloaded whole,
      // then refused at the rename with EISDIR).
      const named = options.output ?? basename(path);
      const target = !toStdout && (await isDirectory(named)) ? join(named, basename(path)) : named;
      if (toStdout && context.output.json)
        throw new CliFailure('--json and -o - would both write to standard output: choose one', EXIT.usage);
      // Before anything is asked of the server: a directory that is not there is a mistake on
      // this side (it was reported as a server failure, naming the internal .part file).
      if (!toStdout) await writableDirectoryOf(target);
      const res = await context.client().open('GET', apiPath('files', ...path.split('/')), { headers: PROBE_HEADERS });
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        throw failureOf({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      }
      const size = Number(res.headers['content-length']);
      const expected = /^"([0-9a-f]{64})"$/.exec(res.headers.etag ?? '')?.[1];
      const hash = createHash('sha256');
      let received = 0;
      const partial = `${target}.part`;
      const meter = progressMeter(`download ${path}`, size, !context.output.json);
      meter.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        received += chunk.length;
      });
      const verify = (sha256: string) => {
        if (received !== size)
          throw new CliFailure(`received ${received} bytes, the server announced ${size}`, EXIT.failed);
        if (expected !== undefined && expected !== sha256)
          throw new CliFailure(`the SHA-256 ${sha256} differs from the ETag ${expected}`, EXIT.failed);
      };
      if (toStdout) {
        // The bytes are the output: nothing else goes to standard output, and a download that
        // fails its check exits non-zero after them (as curl does), for the reader to discard.
        try {
          await pipeline(res, meter, process.stdout, { end: false });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
            // The reader took what it wanted and went away (`| head -c 10`): the rest is not
            // fetched, and the command ends quietly, as any output cut short does (broken-pipe.ts).
            res.destroy();
            return;
          }
          if (error instanceof CliFailure) throw error;
          throw new CliFailure(`the download failed: ${(error as Error).message}`, EXIT.failed);
        }
        verify(hash.digest('hex'));
        return;
      }
      // A Ctrl-C mid-download leaves no .part file behind.
      const forget = undoOnInterrupt(() => rmSync(partial, { force: true }));
      try {
        await pipeline(res, meter, createWriteStream(partial));
        const sha256 = hash.digest('hex');
        verify(sha256);
        await rename(partial, target);
        context.output.result(
          { path, file: target, size, sha256, verified: expected !== undefined },
          () =>
            `${path} -> ${target}: ${humanBytes(size)}, SHA-256 ${sha256}${expected === undefined ? ' (the server sent no ETag to check it against)' : ' verified'}`,
        );
      } catch (error) {
        await rm(partial, { force: true });
        throw error instanceof CliFailure
          ? error
          : new CliFailure(`the download failed: ${(error as Error).message.replaceAll(partial, target)}`, EXIT.failed);
      } finally {
        forget();
      }
    });
}

/** Rejects with a usage failure when `target`'s directory does not exist or cannot be written. */
async function writableDirectoryOf(target: string): Promise<void> {
  const directory = dirname(resolve(target));
  try {
    await access(directory, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be written' : String(code);
    throw new CliFailure(`cannot write ${target}: the directory ${directory} ${why}`, EXIT.usage);
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
