import {
  certificateNames,
  ensureDevCertificate,
  readTlsFiles,
} from '../../adapters/outbound/tls/dev-certificate.js';
import type { TlsMaterial } from '../../adapters/outbound/tls/dev-certificate.js';
import type { Config } from '../config/config.js';
import type { DataLayout } from '../config/data-layout.js';

export interface ProvisionedTls extends TlsMaterial {
  readonly certFile: string;
  readonly source: 'configured' | 'stored' | 'generated';
  /** Configured host names the reused generated certificate does not cover. */
  readonly uncovered: readonly string[];
}

/** The operator's PEM pair when configured, else the data dir's generated one (made on first start). */
export async function provisionTls(config: Config, layout: DataLayout): Promise<ProvisionedTls> {
  if (config.tlsFiles !== undefined) {
    const material = await readTlsFiles(config.tlsFiles.certFile, config.tlsFiles.keyFile);
    return { ...material, certFile: config.tlsFiles.certFile, source: 'configured', uncovered: [] };
  }
  const names = certificateNames(config.tlsHostnames);
  const material = await ensureDevCertificate(layout.tlsCertFile, layout.tlsKeyFile, names);
  return {
    cert: material.cert,
    key: material.key,
    certFile: layout.tlsCertFile,
    source: material.created ? 'generated' : 'stored',
    uncovered: material.uncovered,
  };
}
