import type { DeviceCredentialStore } from '../../ports/device-credential-store.port.js';
import type { Authenticator } from './authenticator.js';
import type { CredentialHashing } from './credential-verifier.js';
import { deviceCredentialPair } from './device-credential-pair.js';
import type { Principal } from './principal.js';

const CACHE_LIMIT = 4096;

/**
 * The server's configured credentials first, then each device's own: username = device id,
 * password = the secret provisioned for it. A slow hash per request would cap the polling rate,
 * so verdicts are remembered, keyed by the stored hash and a SHA-256 of the offered secret (the
 * secret itself is never kept): rotating or revoking a credential changes or removes the stored
 * hash, so no remembered verdict outlives it.
 */
export class DeviceCredentialAuthenticator implements Authenticator {
  private readonly verdicts = new Map<string, boolean>();
  /** The slow hashes under way, by the same key as `verdicts`. */
  private readonly verifying = new Map<string, Promise<boolean>>();

  constructor(
    private readonly configured: Authenticator,
    private readonly credentials: DeviceCredentialStore,
    private readonly hashing: CredentialHashing,
  ) {}

  get operatorCredentials(): string | undefined {
    return this.configured.operatorCredentials;
  }

  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    const principal = await this.configured.authenticate(username, password);
    if (principal !== undefined) return principal;
    const claimed = deviceCredentialPair(username, password);
    if (claimed === undefined) return undefined;
    const { deviceId, secret } = claimed;
    const credential = await this.credentials.get(deviceId);
    if (credential === undefined) return undefined;
    const key = `${credential.secretHash}\0${this.hashing.digests.key(secret)}`;
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      // A device that asks again while its first check is being hashed waits for that hash.
      let verifying = this.verifying.get(key);
      if (verifying === undefined) {
        verifying = this.hashing.passwords.verify(secret, credential.secretHash);
        this.verifying.set(key, verifying);
        void verifying.finally(() => this.verifying.delete(key)).catch(() => {});
      }
      verdict = await verifying;
      if (this.verdicts.size >= CACHE_LIMIT) this.verdicts.delete(this.verdicts.keys().next().value ?? '');
      this.verdicts.set(key, verdict);
    }
    return verdict ? { role: 'device', deviceId: credential.deviceId } : undefined;
  }
}
