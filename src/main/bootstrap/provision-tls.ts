import {
  certificateNames,
  ensureDevCertificate,
  generateSelfSignedCertificate,
} from '../../adapters/outbound/tls/dev-certificate.js';
import type { TlsMaterial } from '../../adapters/outbound/tls/dev-certificate.js';
import type { KeyObject } from 'node:crypto';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config } from '../../app/config/config.js';
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

/** A configured file's text, or a ConfigError naming its variable. */
async function readConfigured(variable: string, file: string): Promise<string> {
  return readFile(file, 'utf8').catch((error: unknown) => {
    throw new ConfigError(variable, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  });
}

/** The certificate in a PEM text, or a ConfigError naming its variable. */
function certificateIn(variable: string, file: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new ConfigError(variable, `${file} does not hold a PEM certificate`);
  }
}

/** The client CA file, checked to hold a certificate, so that a wrong file stops the start. */
async function readClientCa(file: string): Promise<string> {
  const pem = await readConfigured('FUOTA_TLS_CLIENT_CA', file);
  certificateIn('FUOTA_TLS_CLIENT_CA', file, pem);
  return pem;
}

/**
 * The operator's PEM pair, checked before it is used: a missing file, a file that is not PEM or a
 * key of another certificate each stop the start with one line naming the variable, instead of
 * the TLS library's words.
 */
async function readConfiguredPair(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const cert = await readConfigured('FUOTA_TLS_CERT', certFile);
  const key = await readConfigured('FUOTA_TLS_KEY', keyFile);
  const certificate = certificateIn('FUOTA_TLS_CERT', certFile, cert);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError('FUOTA_TLS_KEY', `${keyFile} does not hold a PEM private key (or it is encrypted)`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError(
      'FUOTA_TLS_KEY',
      `${keyFile} is not the key of the certificate in ${certFile} (FUOTA_TLS_CERT)`,
    );
  }
  return { cert, key };
}

/** The server's certificate (see below) and, when configured, the CA for client certificates. */
export async function provisionTls(config: Config, layout: DataLayout): Promise<ProvisionedTls> {
  return withClientCa(config, await serverCertificate(config, layout));
}

/** The TLS material of `serve --ephemeral`: nothing read from or written to a data dir. */
export interface EphemeralTls extends TlsMaterial {
  readonly source: 'configured' | 'generated';
  readonly clientCa?: string;
}

/**
 * For `serve --ephemeral`: the operator's PEM pair when configured (only read), else a fresh
 * certificate made in memory for localhost, 127.0.0.1, FUOTA_TLS_HOSTNAMES and a listen host
 * that names one address (a test rig that listens on a LAN address connects to that name), and
 * never written anywhere.
 */
export async function ephemeralTls(config: Config): Promise<EphemeralTls> {
  if (config.tlsFiles !== undefined) {
    const material = await readConfiguredPair(config.tlsFiles.certFile, config.tlsFiles.keyFile);
    return withClientCa(config, { ...material, source: 'configured' });
  }
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const names = certificateNames([...config.tlsHostnames, ...(wildcard ? [] : [config.host])]);
  return withClientCa(config, { ...(await generateSelfSignedCertificate(names)), source: 'generated' });
}

async function withClientCa<T extends object>(config: Config, server: T): Promise<T & { clientCa?: string }> {
  return config.tlsClientCaFile === undefined
    ? server
    : { ...server, clientCa: await readClientCa(config.tlsClientCaFile) };
}

/** The operator's PEM pair when configured, else the data dir's generated one (made on first start). */
async function serverCertificate(config: Config, layout: DataLayout): Promise<ProvisionedTls> {
  if (config.tlsFiles !== undefined) {
    const material = await readConfiguredPair(config.tlsFiles.certFile, config.tlsFiles.keyFile);
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
