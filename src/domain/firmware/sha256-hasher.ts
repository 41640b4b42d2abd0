/**
 * The SHA-256 the image parser needs, supplied from outside so that the domain stays free of
 * platform imports. `copy()` forks the running state: the parser takes the image digest and the
 * signature digest from one pass over the bytes.
 */
export interface Sha256Hasher {
  update(bytes: Uint8Array): void;
  digest(): Uint8Array;
  copy(): Sha256Hasher;
}

export type Sha256Factory = () => Sha256Hasher;
