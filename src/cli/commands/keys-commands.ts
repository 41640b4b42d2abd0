import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import { table } from '../output.js';

interface SigningKeyJson {
  keyDigest: string;
  scheme: string | null;
  name: string | null;
  source: 'file' | 'api';
  addedAt: string | null;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const DIGEST = /^[0-9a-fA-F]{64}$/;

function keysTable(keys: readonly SigningKeyJson[]): string {
  if (keys.length === 0) return 'no trusted signing keys: signatures are reported, images are not refused for them';
  return table(
    ['KEY DIGEST', 'SCHEME', 'SOURCE', 'ADDED', 'NAME'],
    keys.map((key) => [key.keyDigest, key.scheme ?? '-', key.source, key.addedAt ?? '-', key.name ?? '']),
  );
}

/** `fuota keys`: the trusted Secure Boot v2 signing keys (`/api/v1/signing-keys`). */
export function keysCommands(program: Command, context: CliContext): void {
  const keys = program
    .command('keys')
    .description('the trusted Secure Boot v2 signing keys: list (the default), add, rm')
    .addHelpText(
      'after',
      `
While there is a trusted key, uploads and rollout targets must be signed by one of them.

Examples:
  fuota keys
  fuota keys add release-key.pub.pem --name 'release 2026'
  fuota keys add 30c92b706e316585dc755f20b68d5d4cb830cda53b4fb0bf7dded175127e289d
  fuota keys rm 30c92b706e316585dc755f20b68d5d4cb830cda53b4fb0bf7dded175127e289d`,
    )
    .action(async () => {
      const res = await context.client().expect([200], 'GET', apiPath('api', 'v1', 'signing-keys'));
      const listed = JSON.parse(res.body.toString('utf8')) as SigningKeyJson[];
      context.output.result(listed, () => keysTable(listed));
    });

  keys
    .command('list')
    .description("every trusted key: the server's FUOTA_TRUSTED_KEYS file's, then those added with fuota keys add")
    .action(async () => {
      const res = await context.client().expect([200], 'GET', apiPath('api', 'v1', 'signing-keys'));
      const listed = JSON.parse(res.body.toString('utf8')) as SigningKeyJson[];
      context.output.result(listed, () => keysTable(listed));
    });

  keys
    .command('add')
    .description('trust a key: a PEM public key file (espsecure extract_public_key --version 2) or a key digest')
    .argument('<pem-file-or-digest>', 'the public key file, or the digest espsecure digest_sbv2_public_key printed')
    .option('--name <name>', 'what to call the key')
    .action(async (key: string, options: { name?: string }) => {
      let body: Record<string, string>;
      if (DIGEST.test(key)) {
        body = { keyDigest: key };
      } else {
        try {
          body = { publicKey: readFileSync(key, 'utf8') };
        } catch (error) {
          throw new CliFailure(
            `${key} is neither a key digest (64 hex digits) nor a readable file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
            EXIT.usage,
          );
        }
      }
      if (options.name !== undefined) body.name = options.name;
      const res = await context.client().expect([201], 'POST', apiPath('api', 'v1', 'signing-keys'), {
        headers: JSON_HEADERS,
        body: Buffer.from(JSON.stringify(body)),
      });
      const added = JSON.parse(res.body.toString('utf8')) as SigningKeyJson;
      context.output.result(added, () => `trusted: ${added.keyDigest} (${added.scheme ?? 'given as its digest'})`);
    });

  keys
    .command('rm')
    .description('stop trusting a key added with fuota keys add (the file’s keys change only with the file)')
    .argument('<digest>', 'its key digest')
    .action(async (digest: string) => {
      const res = await context.client().expect([200], 'DELETE', apiPath('api', 'v1', 'signing-keys', digest));
      const removed = JSON.parse(res.body.toString('utf8')) as { removed: SigningKeyJson; remaining: number };
      context.output.result(removed, () => `no longer trusted: ${removed.removed.keyDigest}`);
      if (removed.remaining === 0) {
        context.output.warn('no trusted signing key is left: unsigned images are accepted again');
      }
    });
}
