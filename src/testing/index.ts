/*
 * The package's `fuota/testing` export: an in-memory fuota server for a Node test rig, the
 * programmatic twin of `fuota-server serve --ephemeral` (docs/testing-harness.md).
 */
// Decorator metadata (inversify) needs this before the server's modules load.
import 'reflect-metadata';
import { OperatorRequestRefused } from '../main/ephemeral/operator-client.js';
import { startHarness } from '../main/ephemeral/harness.js';

/** How to start one; every field is optional. */
export interface EphemeralServerOptions {
  /** The operator's user name (default `fuota`), as FUOTA_USERNAME. */
  readonly username?: string;
  /** The operator's password (default: a random one), as FUOTA_PASSWORD. */
  readonly password?: string;
  /** The port to listen on (default: a free one), as FUOTA_PORT. */
  readonly port?: number;
  /** The address to listen on (default `127.0.0.1`), as FUOTA_HOST. */
  readonly host?: string;
  /** Extra DNS names or IP addresses for the certificate, beside localhost and 127.0.0.1 (FUOTA_TLS_HOSTNAMES). */
  readonly hostnames?: readonly string[];
  /** Refuse uploads that are not ESP-IDF application images (default `true`), as FUOTA_VALIDATE_IMAGES. */
  readonly validateImages?: boolean;
  /** A folder whose `*.bin` files are uploaded and whose `devices.csv` rows are set before the server is returned. */
  readonly preload?: string;
  /** The server's log lines on standard error from this level (default `silent`), as FUOTA_LOG_LEVEL. */
  readonly logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Any other setting by its variable (`{ FUOTA_SUCCESS_POLLS: '1' }`); the fields above win. The process's own environment is not read. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A running ephemeral server. */
export interface EphemeralServerHandle {
  /** `https://127.0.0.1:<port>` (or the `host` given). */
  readonly url: string;
  readonly port: number;
  /** PEM of the server's self-signed certificate, its own CA: trust it (Node's `ca`, curl's `--cacert`). */
  readonly ca: string;
  /** The operator credential (Basic auth); devices may use it too, as with the seed. */
  readonly username: string;
  readonly password: string;
  /** Stores `bytes` at the update path `path` (`PUT /files/<path>`); rejects with an `OperatorRequestRefused` (e.g. 422 for an invalid image). */
  upload(path: string, bytes: Uint8Array): Promise<void>;
  /** Offers the file at `path` to the device `id` while it runs `version` (`PUT /devices/<id>`, the seed's row). */
  assign(id: string, version: string, path: string): Promise<void>;
  /** Finishes requests in flight and stops; everything the server held is gone. */
  close(): Promise<void>;
}

export { OperatorRequestRefused };

/**
 * Starts an in-memory fuota server and resolves once it serves (and has preloaded). Nothing is
 * written to disk; `close()` lets everything go.
 *
 * ```ts
 * const server = await startEphemeralServer();
 * await server.upload('lamp/v2.bin', image);
 * await server.assign('24:0A:C4:00:01:02', 'v1.0', 'lamp/v2.bin');
 * // point the device, QEMU or an HTTPS client trusting server.ca at server.url, then
 * await server.close();
 * ```
 */
export async function startEphemeralServer(options: EphemeralServerOptions = {}): Promise<EphemeralServerHandle> {
  const env: Record<string, string> = { FUOTA_LOG_LEVEL: 'silent', ...options.env };
  const set = (variable: string, value: string | number | boolean | undefined) => {
    if (value !== undefined) env[variable] = String(value);
  };
  set('FUOTA_USERNAME', options.username);
  set('FUOTA_PASSWORD', options.password);
  set('FUOTA_PORT', options.port);
  set('FUOTA_HOST', options.host);
  set('FUOTA_TLS_HOSTNAMES', options.hostnames?.join(','));
  set('FUOTA_VALIDATE_IMAGES', options.validateImages);
  set('FUOTA_LOG_LEVEL', options.logLevel);
  const running = await startHarness(env, options.preload);
  let closing: Promise<void> | undefined;
  return {
    url: running.url,
    port: running.port,
    ca: running.ca,
    username: running.username,
    password: running.password,
    upload: async (path, bytes) => {
      // For callers in plain JavaScript, whom the types do not stop.
      if (!(bytes instanceof Uint8Array))
        throw new TypeError('upload(path, bytes): bytes must be a Uint8Array or Buffer');
      await running.client.upload(path, bytes);
    },
    assign: (id, version, path) => running.client.assign(id, version, path),
    close: () => (closing ??= running.stop()),
  };
}
