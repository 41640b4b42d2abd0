import type { Command } from 'commander';
import { ApiClient } from './api-client.js';
import { readCaCertificate } from './ca-certificate.js';
import { credentialSource } from './credential-source.js';
import { CliFailure, EXIT } from './exit-codes.js';
import { Output } from './output.js';
import { timeoutMs } from './timeout-setting.js';

/** The global options, from flags or the environment (flags win). */
interface GlobalOptions {
  url?: string;
  username?: string;
  password?: string;
  caCert?: string;
  json?: boolean;
  timeout?: string;
}

/** What every command needs: where the server is, how to talk to it, how to report. */
export interface CliContext {
  readonly output: Output;
  client(): ApiClient;
}

export function cliContext(program: Command, env: NodeJS.ProcessEnv): CliContext {
  const options = () => program.opts<GlobalOptions>();
  return {
    get output() {
      return new Output(options().json === true);
    },
    client() {
      const { url, username, password, caCert, timeout } = options();
      const raw = url ?? env.FUOTA_URL ?? 'https://localhost:50000';
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new CliFailure(`--url/FUOTA_URL: ${raw} is not a URL`, EXIT.usage);
      }
      if (parsed.protocol !== 'https:')
        throw new CliFailure(`--url/FUOTA_URL: ${raw} must be an https:// URL`, EXIT.usage);
      // An empty FUOTA_CA_CERT (as compose files leave it) means none: the system store.
      const caFile = caCert ?? (env.FUOTA_CA_CERT === '' ? undefined : env.FUOTA_CA_CERT);
      const ca = caFile === undefined ? undefined : readCaCertificate(caFile);
      return new ApiClient({
        url: parsed,
        credential: credentialSource(username ?? env.FUOTA_USERNAME, password ?? env.FUOTA_PASSWORD, parsed),
        ca,
        caFile,
        timeoutMs: timeoutMs(timeout ?? env.FUOTA_TIMEOUT),
      });
    },
  };
}
