import { DomainError } from '../../domain/domain-error.js';
import type { EspImageInfo } from '../../domain/firmware/esp-image-info.js';
import type { SignatureScheme } from '../../domain/firmware/signature-block.js';
import type { SigningVerdict } from '../../domain/firmware/signing-verdict.js';
import { signingVerdict } from '../../domain/firmware/signing-verdict.js';
import type { TrustedKey } from '../../domain/firmware/trusted-key.js';
import { UntrustedSignature } from '../../domain/firmware/untrusted-signature.js';
import type { TrustedKeyStore } from '../../ports/trusted-key-store.port.js';

/** A key to trust, as an operator gives it: its digest, and its scheme when given as PEM. */
export interface NewTrustedKey {
  readonly keyDigest: string;
  readonly scheme: SignatureScheme | null;
  readonly name: string | null;
}

/** What adding a key did: trusted it anew, gave a known key a name or scheme, or nothing. */
export interface AddedTrustedKey {
  readonly key: TrustedKey;
  readonly outcome: 'added' | 'updated' | 'unchanged';
}

/**
 * The keys the fleet's Secure Boot devices trust: the FUOTA_TRUSTED_KEYS file's (read at start,
 * changed only by editing the file and restarting) together with those operators added through
 * the API (stored, so they survive restarts and are shared by servers on one PostgreSQL). The
 * union counts: while it holds at least one key, an image is acceptable (to upload, or to roll
 * out) only with a block that verifies with one of them; with none, images are taken as before
 * and their signatures only reported. The API cannot remove or rename a key of the file.
 */
export class TrustedKeys {
  constructor(
    private readonly fromFile: readonly TrustedKey[],
    private readonly store: TrustedKeyStore,
  ) {}

  /** The file's keys first, then the API's (a digest in both is the file's, listed once). */
  async list(): Promise<TrustedKey[]> {
    const inFile = new Set(this.fromFile.map((key) => key.keyDigest));
    const added = (await this.store.list()).filter((key) => !inFile.has(key.keyDigest));
    return [...this.fromFile, ...added];
  }

  /**
   * Trusts a key from now on. A key added before keeps what is known of it: its scheme (a key
   * given again as its digest still has the scheme its PEM gave), its name unless a new one is
   * given, and when it was first added; `outcome` says whether anything changed.
   */
  async add(key: NewTrustedKey, at: Date): Promise<AddedTrustedKey> {
    this.refuseFileKey(key.keyDigest, 'is already trusted');
    const known = (await this.store.list()).find((one) => one.keyDigest === key.keyDigest);
    if (known === undefined) {
      const stored: TrustedKey = { ...key, source: 'api', addedAt: at.toISOString() };
      await this.store.put(stored);
      return { key: stored, outcome: 'added' };
    }
    const merged: TrustedKey = { ...known, scheme: key.scheme ?? known.scheme, name: key.name ?? known.name };
    if (merged.scheme === known.scheme && merged.name === known.name) return { key: known, outcome: 'unchanged' };
    await this.store.put(merged);
    return { key: merged, outcome: 'updated' };
  }

  /** Stops trusting a key added through the API; removing the last key turns the check off. */
  async remove(keyDigest: string): Promise<TrustedKey> {
    this.refuseFileKey(keyDigest, 'cannot be removed through the API');
    const known = (await this.store.list()).find((key) => key.keyDigest === keyDigest);
    if (known === undefined || !(await this.store.delete(keyDigest))) {
      throw new DomainError('signing-key-not-found', `no trusted signing key has the digest ${keyDigest}`);
    }
    return known;
  }

  /** The image's verdict, or undefined when no trusted key is set (nothing to check). */
  async verdict(image: EspImageInfo): Promise<SigningVerdict | undefined> {
    const keys = await this.list();
    if (keys.length === 0) return undefined;
    return signingVerdict(image.signatures ?? [], new Set(keys.map((key) => key.keyDigest)), image.chip);
  }

  /** Throws UntrustedSignature, saying what was found, unless the image may go to the fleet. */
  async refuseUntrusted(image: EspImageInfo, what: string): Promise<void> {
    const verdict = await this.verdict(image);
    if (verdict === undefined || verdict.trusted) return;
    throw new UntrustedSignature(verdict.reason, image.signatures ?? [], `${what}: ${verdict.detail}`);
  }

  private refuseFileKey(keyDigest: string, what: string): void {
    if (this.fromFile.some((key) => key.keyDigest === keyDigest)) {
      throw new DomainError(
        'signing-key-in-file',
        `the key ${keyDigest} is in the FUOTA_TRUSTED_KEYS file and ${what}; edit the file and restart the server to change it`,
      );
    }
  }
}
