import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliFailure } from '../exit-codes.js';
import { humanBytes } from '../output.js';

/** What `DELETE /files/<path>` answers. */
interface Deleted {
  deleted: { path: string; size: number; sha256: string };
  namedBy: string[];
}

/** `fuota rm`: deletes a stored file, refused while device rows name it unless --force. */
export function rmCommand(program: Command, context: CliContext): void {
  program
    .command('rm')
    .description('delete a stored update file (refused while device rows name it, unless --force)')
    .argument('<path>', 'the update path')
    .option('--force', 'delete it even though device rows name it (their devices are then told 404)')
    .addHelpText('after', '\nExamples:\n  fuota rm lamp/v1.0.0.bin\n  fuota rm lamp/v2.0.0.bin --force')
    .action(async (path: string, options: { force?: boolean }) => {
      const target = `${apiPath('files', ...path.split('/'))}${options.force === true ? '?force=true' : ''}`;
      let answer: Deleted;
      try {
        const res = await context.client().expect([200], 'DELETE', target);
        answer = JSON.parse(res.body.toString('utf8')) as Deleted;
      } catch (error) {
        // Offered only for device rows (the problem lists them in namedBy): a rollout's target is
        // refused with --force too, and a failure that came with --force has nothing to offer.
        if (!(error instanceof CliFailure)) throw error;
        const problem = error.problem as { code?: unknown; namedBy?: unknown } | undefined;
        if (options.force !== true && problem?.code === 'file-in-use' && Array.isArray(problem.namedBy)) {
          throw new CliFailure(`${error.message} (fuota rm --force deletes it anyway)`, error.code, error.problem);
        }
        throw error;
      }
      const { deleted, namedBy } = answer;
      context.output.result(
        answer,
        () => `deleted ${deleted.path}: ${humanBytes(deleted.size)}, SHA-256 ${deleted.sha256}`,
      );
      if (namedBy.length > 0) {
        // On stderr, so that --json output stays one document.
        process.stderr.write(
          `fuota: warning: ${namedBy.length} device row(s) still name ${deleted.path}; those devices are told 404 until it is stored again: ${namedBy.join(', ')}\n`,
        );
      }
    });
}
