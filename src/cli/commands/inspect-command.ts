import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { nodeSha256 } from '../../adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../adapters/outbound/crypto/node-signature-verifier.js';
import { readTrustedKeysFile, TrustedKeysFileError } from '../../adapters/outbound/crypto/trusted-keys-file.js';
import { inspectImage } from '../../app/firmware/image-inspection.js';
import { signingVerdict } from '../../domain/firmware/signing-verdict.js';
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
    .option(
      '--trusted-keys <keys-file>',
      "judge the signature as a server with these trusted keys would (PEM public keys and/or key digests, FUOTA_TRUSTED_KEYS's format)",
    )
    .addHelpText(
      'after',
      '\nExit status: 0 when the server would accept the image, 5 when it would refuse it.\n\nExamples:\n  fuota inspect build/lamp.bin\n  fuota inspect --trusted-keys fleet-keys.pem build/lamp.bin',
    )
    .action(async (file: string, options: { trustedKeys?: string }) => {
      const trusted = options.trustedKeys === undefined ? undefined : await trustedDigests(options.trustedKeys);
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
      const image = inspection.image;
      // The upload's second check, with trusted keys: a block that verifies with one of them.
      const signing =
        trusted === undefined || image === undefined
          ? undefined
          : signingVerdict(image.signatures ?? [], trusted, image.chip);
      const accepted = rejection === undefined && signing?.trusted !== false;
      const report = {
        file,
        size,
        sha256,
        accepted,
        ...(rejection === undefined
          ? {
              image,
              ...(signing === undefined ? {} : { signing }),
              ...(signing?.trusted === false ? { reason: signing.reason, detail: signing.detail } : {}),
            }
          : { reason: rejection.reason, detail: rejection.message }),
      };
      context.output.result(report, () =>
        [
          `${file}: ${humanBytes(size)} (${size} bytes), sha256 ${sha256}`,
          rejection === undefined ? imageSummary(image) : `  refused: ${rejection.reason}: ${rejection.message}`,
          ...(signing === undefined
            ? []
            : [
                signing.trusted
                  ? `  signed by trusted key ${signing.keyDigest}`
                  : `  refused: ${signing.reason}: ${signing.detail}`,
              ]),
          rejection !== undefined
            ? 'the server would refuse it with 422 (upload with --no-validate to store it anyway)'
            : accepted
              ? 'the server would accept it'
              : 'a server with these trusted keys would refuse it with 422 (untrusted-signature)',
        ].join('\n'),
      );
      if (!accepted) process.exitCode = EXIT.rejected;
    });
}

/** The digests of a trusted-keys file's keys; a file that cannot be used is a usage error. */
async function trustedDigests(file: string): Promise<ReadonlySet<string>> {
  try {
    return new Set((await readTrustedKeysFile(file, 'the --trusted-keys file')).map((key) => key.keyDigest));
  } catch (error) {
    if (error instanceof TrustedKeysFileError) throw new CliFailure(error.message, EXIT.usage);
    throw error;
  }
}
