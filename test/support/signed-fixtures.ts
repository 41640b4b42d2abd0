import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** ../shared/fixtures/esp-images/signed: images signed by espsecure, their keys and manifest. */
export const SIGNED_FIXTURES = join(ROOT, '..', 'shared', 'fixtures', 'esp-images', 'signed');

export interface SignedManifest {
  keys: Record<string, { public: string; private: string; keyDigest: string }>;
  images: Record<string, { blocks: Array<{ scheme: string; key: string; verifies: boolean }> }>;
}

export function signedManifest(): SignedManifest {
  return JSON.parse(readFileSync(join(SIGNED_FIXTURES, 'manifest.json'), 'utf8')) as SignedManifest;
}

export const signedFixture = (name: string): Buffer => readFileSync(join(SIGNED_FIXTURES, name));
export const signedFixtureText = (name: string): string => readFileSync(join(SIGNED_FIXTURES, name), 'utf8');

/** For a suite's `before`: skips it, saying why, where the team's ../shared workspace is absent. */
export function skipWithoutSignedFixtures(context: Mocha.Context): void {
  if (existsSync(join(SIGNED_FIXTURES, 'manifest.json'))) return;
  console.warn(
    `      (skipped: ${SIGNED_FIXTURES} is not there; it sits beside the repository in the team's workspace)`,
  );
  context.skip();
}
