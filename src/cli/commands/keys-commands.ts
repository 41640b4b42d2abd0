import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { apiPath, failureOf } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import { table } from '../output.js';
import { singlePublicKeyPem } from '../../domain/firmware/pem-text.js';
import { KEY_DIGEST_FORMS_TEXT, keyDigestOf, keyDigestOfBytes } from '../../domain/firmware/trusted-key.js';
import { unreadableBecause } from '../../adapters/outbound/crypto/trusted-keys-file.js';

interface SigningKeyJson {
  keyDigest: string;
  scheme: string | null;
  name: string | null;
  source: 'file' | 'api';
  addedAt: string | null;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/**
 * What `fuota keys add` sends for its argument: a key digest (typed in any of its text forms, or
 * a file holding one: as text, or the 32 raw bytes espsecure digest_sbv2_public_key -o writes),
 * or the one PEM public key of a file. A file that holds no such key (a private key above all,
 * which must not leave the machine) is refused here, before anything is sent.
 */
function keyBody(key: string): Record<string, string> {
  const typed = keyDigestOf(key);
  if (typed !== undefined) return { keyDigest: typed };
  let bytes: Buffer;
  try {
    bytes = readFileSync(key);
  } catch (error) {
    throw new CliFailure(
      `${key} is neither a key digest (${KEY_DIGEST_FORMS_TEXT}) nor a file that can be read: ${unreadableBecause(error)}`,
      EXIT.usage,
    );
  }
  const digest = keyDigestOfBytes(bytes) ?? keyDigestOf(bytes.toString('utf8'));
  if (digest !== undefined) return { keyDigest: digest };
  try {
    return { publicKey: singlePublicKeyPem(bytes.toString('utf8')) };
  } catch (error) {
    // The file's bytes are never echoed: they may be binary, or a secret.
    throw new CliFailure(
      `${key} holds no public key to trust: ${(error as Error).message}; nothing was sent. Give a PEM public key file, a key digest, or a file with one (text, or the 32 bytes of espsecure digest_sbv2_public_key -o)`,
      EXIT.rejected,
    );
  }
}

/** The digest `fuota keys rm` names: typed in any of its text forms, or a file holding one. */
function digestArgument(digest: string): string {
  const typed = keyDigestOf(digest);
  if (typed !== undefined) return typed;
  let bytes: Buffer;
  try {
    bytes = readFileSync(digest);
  } catch {
    throw new CliFailure(`${digest} is not a key digest (${KEY_DIGEST_FORMS_TEXT}) nor a file holding one`, EXIT.usage);
  }
  const read = keyDigestOfBytes(bytes) ?? keyDigestOf(bytes.toString('utf8'));
  if (read === undefined) {
    throw new CliFailure(
      `${digest} holds no key digest (${KEY_DIGEST_FORMS_TEXT}, or the 32 bytes of espsecure digest_sbv2_public_key -o)`,
      EXIT.usage,
    );
  }
  return read;
}

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
A key digest is the SHA-256 espsecure digest_sbv2_public_key writes (32 raw bytes to -o; it prints
nothing) and signature_info_v2 prints ("Public key digest for block 0: 30 c9 2b ..."). Adding a
key already added keeps it (and its scheme), renaming it only with --name.

Examples:
  fuota keys
  fuota keys add release-key.pub.pem --name 'release 2026'
  fuota keys add 30c92b706e316585dc755f20b68d5d4cb830cda53b4fb0bf7dded175127e289d
  fuota keys add '30 c9 2b 70 6e 31 65 85 dc 75 5f 20 b6 8d 5d 4c b8 30 cd a5 3b 4f b0 bf 7d de d1 75 12 7e 28 9d'
  fuota keys add digest.bin        # written by: espsecure digest_sbv2_public_key --keyfile key.pem -o digest.bin
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
    .description(
      'trust a key: a PEM public key file (espsecure extract_public_key --version 2), a key digest, or a digest file',
    )
    .argument(
      '<pem-file-or-digest>',
      'the public key file; or the key digest: 64 hex digits or 32 hex bytes separated by spaces or colons (as espsecure signature_info_v2 prints it, quoted); or the file espsecure digest_sbv2_public_key -o wrote (32 raw bytes)',
    )
    .option('--name <name>', 'what to call the key')
    .action(async (key: string, options: { name?: string }) => {
      const body = keyBody(key);
      if (options.name !== undefined) body.name = options.name;
      const client = context.client();
      const res = await client.send('POST', apiPath('api', 'v1', 'signing-keys'), {
        headers: JSON_HEADERS,
        body: Buffer.from(JSON.stringify(body)),
      });
      const failure = res.status === 200 || res.status === 201 ? undefined : failureOf(res);
      const problem = failure?.problem as { code?: unknown; detail?: unknown } | undefined;
      if (problem?.code === 'signing-key-in-file') {
        // Trusted already, by the server's FUOTA_TRUSTED_KEYS file: what was asked is so, as for
        // a key added here before (the server answers 409 as it cannot change that key).
        const listed = await client.expect([200], 'GET', apiPath('api', 'v1', 'signing-keys'));
        const inFile = (JSON.parse(listed.body.toString('utf8')) as SigningKeyJson[]).find(
          // The refusal names the key's digest (the CLI cannot tell it of a PEM key by itself).
          (candidate) => candidate.source === 'file' && String(problem.detail).includes(candidate.keyDigest),
        );
        if (inFile !== undefined) {
          if (options.name !== undefined)
            context.output.warn('--name is not given to a key of the file: it changes only with the file');
          context.output.result(
            inFile,
            () =>
              `already trusted: ${inFile.keyDigest} (${inFile.scheme ?? 'given as its digest'}, in the server's FUOTA_TRUSTED_KEYS file)`,
          );
          return;
        }
      }
      if (failure !== undefined) throw failure;
      const added = JSON.parse(res.body.toString('utf8')) as SigningKeyJson;
      // 200: the key was trusted already (it keeps its scheme and when it was added).
      const what = res.status === 201 ? 'trusted' : 'already trusted';
      context.output.result(added, () => `${what}: ${added.keyDigest} (${added.scheme ?? 'given as its digest'})`);
    });

  keys
    .command('rm')
    .description('stop trusting a key added with fuota keys add (the file’s keys change only with the file)')
    .argument('<digest>', 'its key digest (any form fuota keys add takes), or a file holding it')
    .action(async (digest: string) => {
      const res = await context
        .client()
        .expect([200], 'DELETE', apiPath('api', 'v1', 'signing-keys', digestArgument(digest)));
      const removed = JSON.parse(res.body.toString('utf8')) as { removed: SigningKeyJson; remaining: number };
      context.output.result(removed, () => `no longer trusted: ${removed.removed.keyDigest}`);
      if (removed.remaining === 0) {
        context.output.warn('no trusted signing key is left: unsigned images are accepted again');
      }
    });
}
