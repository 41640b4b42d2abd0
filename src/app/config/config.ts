import type { AuditSettings } from '../audit/audit-settings.js';
import type { DeltaSettings } from '../delta/delta-settings.js';
import type { FleetSettings } from '../fleet/fleet-settings.js';
import type { StorageSettings } from './storage-settings.js';

/** The validated configuration of one server process (see `load-config.ts` for its sources). */
export interface Config {
  readonly host: string;
  readonly port: number;
  /**
   * Absolute path of the directory holding the TLS files, the credential and the lock, and the
   * embedded database and update files unless `storage` names shared ones.
   */
  readonly dataDir: string;
  /** PostgreSQL and an S3-compatible bucket, when configured, instead of the data dir. */
  readonly storage: StorageSettings;
  /**
   * Worker processes serving the one port (FUOTA_WORKERS, node:cluster); more than one only on
   * shared storage (FUOTA_DATABASE_URL).
   */
  readonly workers: number;
  /** PEM files the operator brought; when absent a certificate is generated into the data dir. */
  readonly tlsFiles: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Extra names (DNS names or IP addresses) the generated certificate is valid for. */
  readonly tlsHostnames: readonly string[];
  /** The TLS session-ticket key shared by every instance (FUOTA_TLS_TICKET_KEYS), 48 bytes. */
  readonly tlsTicketKeys: Buffer | undefined;
  /** A PEM file of CA certificates: devices may then authenticate with a client certificate (CN = device id). */
  readonly tlsClientCaFile: string | undefined;
  readonly username: string;
  /** When absent, a password is generated on first start and only its hash is kept. */
  readonly password: string | undefined;
  /** A credential with the device role only (check and download). */
  readonly deviceCredential: { readonly username: string; readonly password: string } | undefined;
  /** A credential with the operator role (everything). */
  readonly operatorCredential: { readonly username: string; readonly password: string } | undefined;
  readonly maxUploadBytes: number;
  /** Refuse uploads that are not valid ESP-IDF application images (a request may opt out). */
  readonly validateImages: boolean;
  /**
   * A file of PEM public keys and/or key digests (FUOTA_TRUSTED_KEYS): images must then be signed
   * by one of them (or by a key added through the API) to be uploaded or rolled out.
   */
  readonly trustedKeysFile?: string | undefined;
  /** Failed authentications per minute from one address before it is refused with 429. */
  readonly authFailuresPerMinute: number;
  /** How long such an address is refused. */
  readonly authCooldownSeconds: number;
  /** The least severe log level written (FUOTA_LOG_LEVEL). */
  readonly logLevel: LogLevel;
  /** How update attempts are judged and how long fleet history is kept. */
  readonly fleet: FleetSettings;
  /** How long the audit log of operators' changes is kept. */
  readonly audit: AuditSettings;
  /** Whether and how delta patches are made and offered. */
  readonly delta: DeltaSettings;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const CONFIG = Symbol.for('fuota.Config');
