import type { TrustedKey } from '../../../domain/firmware/trusted-key.js';
import type { TrustedKeyStore } from '../../../ports/trusted-key-store.port.js';

/** Trusted keys in a Map, for tests and throw-away servers: nothing survives the process. */
export class InMemoryTrustedKeyStore implements TrustedKeyStore {
  // A Map keeps insertion order, and a replaced key keeps its place: the port's order.
  private readonly keys = new Map<string, TrustedKey>();

  async list(): Promise<TrustedKey[]> {
    return [...this.keys.values()];
  }

  async put(key: TrustedKey): Promise<void> {
    this.keys.set(key.keyDigest, { ...key });
  }

  async delete(keyDigest: string): Promise<boolean> {
    return this.keys.delete(keyDigest);
  }

  async close(): Promise<void> {}
}
