import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { nodeSha256 } from '../../adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../adapters/outbound/crypto/node-signature-verifier.js';
import { inspectImage } from '../../app/firmware/image-inspection.js';
import type { CliContext } from '../cli-context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import { imageSummary } from '../image-summary.js';
import { humanBytes } from '../output.js';

/** Offline: what the server would read from an image, and whether it would accept it. */
export function inspectCommand(program: Command, context: CliContext): void {
  program
    .command('inspect')
    .description(
      'read an image offline as the server would (like esptool image-info) and say whether it would be accepted',
    )
    .argument('<file>', 'the firmware image')
    .addHelpText(
      'after',
      '\nExit status: 0 when the server would accept the image, 5 when it would refuse it.\n\nExample:\n  fuota inspect build/lamp.bin',
    )
    .action(async (file: string) => {
      const hash = createHash('sha256');
      let size = 0;
      const { inspection, content } = inspectImage(createReadStream(file), false, nodeSha256, nodeSignatureVerifier);
      try {
        for await (const chunk of content) {
          hash.update(chunk);
          size += chunk.length;
        }
      } catch (error) {
        throw new CliFailure(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          EXIT.usage,
        );
      }
      const sha256 = hash.digest('hex');
      const rejection = inspection.rejection;
      const report = {
        file,
        size,
        sha256,
        accepted: rejection === undefined,
        ...(rejection === undefined
          ? { image: inspection.image }
          : { reason: rejection.reason, detail: rejection.message }),
      };
      context.output.result(report, () =>
        [
          `${file}: ${humanBytes(size)} (${size} bytes), sha256 ${sha256}`,
          rejection === undefined
            ? imageSummary(inspection.image)
            : `  refused: ${rejection.reason}: ${rejection.message}`,
          rejection === undefined
            ? 'the server would accept it'
            : 'the server would refuse it with 422 (upload with --no-validate to store it anyway)',
        ].join('\n'),
      );
      if (rejection !== undefined) process.exitCode = EXIT.rejected;
    });
}
