import {
  certificateNames,
  ensureDevCertificate,
  readTlsFiles,
} from '../../adapters/outbound/tls/dev-certificate.js';
import type { TlsMaterial } from '../../adapters/outbound/tls/dev-certificate.js';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import type { DataLayout } from '../config/data-layout.js';

export interface ProvisionedTls extends TlsMaterial {
  readonly certFile: string;
  readonly source: 'configured' | 'stored' | 'generated';
  /** Configured host names the reused generated certificate does not cover. */
  readonly uncovered: readonly string[];
  /** PEM CA certificates that client certificates are verified against (FUOTA_TLS_CLIENT_CA). */
  readonly clientCa?: string;
}

/** The client CA file, checked to hold a certificate, so that a wrong file stops the start. */
async function readClientCa(file: string): Promise<string> {
  const pem = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new ConfigError('FUOTA_TLS_CLIENT_CA', `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  });
  try {
    new X509Certificate(pem);
  } catch {
    throw new ConfigError('FUOTA_TLS_CLIENT_CA', `${file} does not hold a PEM certificate`);
  }
  return pem;
}

/** The server's certificate (see below) and, when configured, the CA for client certificates. */
export async function provisionTls(config: Config, layout: DataLayout): Promise<ProvisionedTls> {
  const server = await serverCertificate(config, layout);
  return config.tlsClientCaFile === undefined ? server : { ...server, clientCa: await readClientCa(config.tlsClientCaFile) };
}

/** The operator's PEM pair when configured, else the data dir's generated one (made on first start). */
async function serverCertificate(config: Config, layout: DataLayout): Promise<ProvisionedTls> {
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
