import { join } from 'node:path';

/** Where everything lives inside the data directory. */
export interface DataLayout {
  /** The seed-schema SQLite database. */
  readonly databaseFile: string;
  /** Update files, at their update path. Nothing else lives below it. */
  readonly filesDir: string;
  /** Delta patches, by patch id: beside files/, so that no update file path can name one. */
  readonly deltasDir: string;
  /** The generated certificate and key (when the operator brings none). */
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  /** The generated credential's hash. */
  readonly credentialFile: string;
}

export function dataLayout(dataDir: string): DataLayout {
  return {
    databaseFile: join(dataDir, 'devices.db'),
    filesDir: join(dataDir, 'files'),
    deltasDir: join(dataDir, 'deltas'),
    tlsCertFile: join(dataDir, 'tls', 'cert.pem'),
    tlsKeyFile: join(dataDir, 'tls', 'key.pem'),
    credentialFile: join(dataDir, 'credential.json'),
  };
}
