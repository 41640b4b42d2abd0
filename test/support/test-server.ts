import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsMaterial } from '../../src/adapters/outbound/tls/dev-certificate.js';
import { generateSelfSignedCertificate } from '../../src/adapters/outbound/tls/dev-certificate.js';
import { RoleAuthenticator } from '../../src/app/auth/role-authenticator.js';
import type { Storage } from '../../src/main/bootstrap/storage.js';
import { combined, memoryStorage, openDiskStorage } from '../../src/main/bootstrap/storage.js';
import { openPostgresStateStores } from '../../src/main/bootstrap/postgres-state-stores.js';
import { S3BlobStore } from '../../src/adapters/outbound/s3/s3-blob-store.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { StorageMetrics } from '../../src/adapters/inbound/http/storage-metrics.js';
import { reportLatency } from '../../src/adapters/outbound/s3/s3-latency.js';
import type { Config } from '../../src/app/config/config.js';
import { dataLayout } from '../../src/main/config/data-layout.js';
import { FuotaServer, type FuotaServerParts } from '../../src/main/fuota-server.js';
import type { Logger } from '../../src/ports/logger.port.js';
import { HttpsTestClient } from './https-client.js';
import type { FileIo } from '../../src/adapters/outbound/filesystem/file-io.js';
import { FileSystemBlobStore } from '../../src/adapters/outbound/filesystem/filesystem-blob-store.js';
import type { FleetSettings } from '../../src/app/fleet/fleet-settings.js';
import { DEFAULT_FLEET_SETTINGS } from '../../src/app/fleet/fleet-settings.js';
import type { AuditSettings } from '../../src/app/audit/audit-settings.js';
import { BlobDeltaPatchStore } from '../../src/adapters/outbound/delta/blob-delta-patch-store.js';
import { S3_DELTAS_AREA } from '../../src/main/bootstrap/s3-blob-storage.js';
import { DEFAULT_AUDIT_SETTINGS } from '../../src/app/audit/audit-settings.js';
import type { DeltaSettings } from '../../src/app/delta/delta-settings.js';
import { DEFAULT_DELTA_SETTINGS } from '../../src/app/delta/delta-settings.js';
import { NODE_CREDENTIAL_HASHING } from '../../src/main/node-credential-hashing.js';
import type { DeltaOffers } from '../../src/app/delta/delta-offers.js';
import { DELTA_OFFERS } from '../../src/app/delta/delta-offers.js';

export const TEST_CREDENTIAL = { username: 'operator', password: 'correct horse battery staple' };
/** A credential with the device role only. */
export const TEST_DEVICE_CREDENTIAL = { username: 'fleet-device', password: 'device secret 42' };

let certificate: Promise<TlsMaterial> | undefined;

/** One generated certificate for the whole test run (for localhost and 127.0.0.1). */
export function testCertificate(): Promise<TlsMaterial> {
  certificate ??= generateSelfSignedCertificate(['localhost', '127.0.0.1']);
  return certificate;
}

/** Collects log lines so that tests can read what the server logged. */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push(`info ${message} ${JSON.stringify(fields ?? {})}`);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push(`warn ${message} ${JSON.stringify(fields ?? {})}`);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push(`error ${message} ${JSON.stringify(fields ?? {})}`);
  }
  async flush(): Promise<void> {}
}

/** PostgreSQL and/or S3 storage as `serve` opens it, memory for a part not given. */
async function sharedStorage(
  shared: NonNullable<Parameters<typeof startTestServer>[0]>['shared'],
  observer: StorageMetrics,
): Promise<Storage> {
  const memory = memoryStorage();
  const { files: memoryFiles, deltas: memoryDeltas, healthChecks: _none, close: _nothing, ...memoryState } = memory;
  const state =
    shared?.databaseUrl === undefined
      ? { ...memoryState, health: undefined, poolUsage: undefined, close: async () => {} }
      : await openPostgresStateStores({ url: shared.databaseUrl, poolSize: 10 }, undefined, observer);
  if (shared?.s3 !== undefined) reportLatency(shared.s3.client, observer);
  const files =
    shared?.s3 === undefined
      ? memoryFiles
      : await S3BlobStore.open({ client: shared.s3.client, bucket: shared.s3.bucket, prefix: shared.s3.prefix ?? '' });
  const deltaBlobs =
    shared?.s3 === undefined
      ? undefined
      : await S3BlobStore.open({
          client: shared.s3.client,
          bucket: shared.s3.bucket,
          prefix: shared.s3.prefix ?? '',
          area: S3_DELTAS_AREA,
        });
  return combined(state, {
    files,
    deltas: deltaBlobs === undefined ? memoryDeltas : new BlobDeltaPatchStore(deltaBlobs),
    health: { name: 'files', check: async () => (files instanceof S3BlobStore ? files.checkHealth() : undefined) },
    close: async () => {
      await files.close();
      await deltaBlobs?.close();
    },
  });
}

export interface RunningTestServer {
  readonly server: FuotaServer;
  readonly client: HttpsTestClient;
  readonly storage: Storage;
  readonly logger: RecordingLogger;
  readonly config: Config;
  readonly dataDir: string | undefined;
  stop(): Promise<void>;
}

/** A real HTTPS server on an ephemeral loopback port, with in-memory or on-disk storage. */
export async function startTestServer(
  options: {
    storage?: 'memory' | 'disk';
    /** On-disk storage whose file store writes through `filesIo` (a FaultyFileIo, for full disks). */
    filesIo?: FileIo;
    maxUploadBytes?: number;
    validateImages?: boolean;
    /** FUOTA_TRUSTED_KEYS: a file of PEM public keys and/or key digests. */
    trustedKeysFile?: string;
    authFailuresPerMinute?: number;
    authCooldownSeconds?: number;
    /** Fleet settings other than the defaults (success, silence, retention). */
    fleet?: Partial<FleetSettings>;
    /** Audit log settings other than the defaults (retention). */
    audit?: Partial<AuditSettings>;
    /** Delta patch settings other than the defaults. */
    delta?: Partial<DeltaSettings>;
    /** The fleet's clock (epoch ms), for tests that move time. */
    now?: () => number;
    /**
     * On-disk storage in this data directory of an earlier server, stopped with `server.stop()`
     * (not `stop()`, which removes it): a restart on the same data. `stop()` removes it.
     */
    dataDir?: string;
    /** The TLS session-ticket key (48 bytes), as FUOTA_TLS_TICKET_KEYS gives it. */
    tlsTicketKeys?: Buffer;
    /** The shared credential's password (default: TEST_CREDENTIAL's), as after a rotation. */
    password?: string;
    /** A fixed port (default: a free one), for a restart that clients must find where it was. */
    port?: number;
    /**
     * Shared storage instead: every table in this PostgreSQL database and/or the update files in
     * this bucket (the other part in memory when only one is given). `stop()` leaves both as
     * they are, for another server to share or a restart to find.
     */
    shared?: {
      readonly databaseUrl?: string;
      readonly s3?: { readonly client: S3Client; readonly bucket: string; readonly prefix?: string };
    };
    /** The patches devices are offered (default: the container's, none). */
    deltaOffers?: DeltaOffers;
  } = {},
): Promise<RunningTestServer> {
  const dataDir =
    options.dataDir ??
    (options.storage === 'disk' || options.filesIo !== undefined
      ? await mkdtemp(join(tmpdir(), 'fuota-test-'))
      : undefined);
  const config: Config = {
    host: '127.0.0.1',
    port: options.port ?? 0,
    dataDir: dataDir ?? '/nonexistent',
    storage: { database: undefined, blobs: undefined },
    workers: 1,
    tlsFiles: undefined,
    tlsHostnames: [],
    tlsTicketKeys: options.tlsTicketKeys,
    tlsClientCaFile: undefined,
    username: TEST_CREDENTIAL.username,
    password: options.password ?? TEST_CREDENTIAL.password,
    deviceCredential: TEST_DEVICE_CREDENTIAL,
    operatorCredential: undefined,
    maxUploadBytes: options.maxUploadBytes ?? 32 * 1024 * 1024,
    validateImages: options.validateImages ?? true,
    trustedKeysFile: options.trustedKeysFile,
    authFailuresPerMinute: options.authFailuresPerMinute ?? 20,
    authCooldownSeconds: options.authCooldownSeconds ?? 60,
    logLevel: 'info',
    fleet: { ...DEFAULT_FLEET_SETTINGS, ...options.fleet },
    audit: { ...DEFAULT_AUDIT_SETTINGS, ...options.audit },
    delta: { ...DEFAULT_DELTA_SETTINGS, ...options.delta },
  };
  // Reported to by shared storage's adapters, shown at /metrics.
  const storageMetrics = new StorageMetrics();
  const opened =
    options.shared !== undefined
      ? await sharedStorage(options.shared, storageMetrics)
      : dataDir === undefined
        ? memoryStorage()
        : await openDiskStorage(dataLayout(dataDir));
  const storage: Storage =
    options.filesIo === undefined
      ? opened
      : {
          ...opened,
          files: await FileSystemBlobStore.open(dataLayout(config.dataDir).filesDir, { io: options.filesIo }),
        };
  const tls = await testCertificate();
  const logger = new RecordingLogger();
  const parts: FuotaServerParts = {
    config,
    storage,
    authenticator: new RoleAuthenticator(
      [
        {
          secret: { kind: 'plain', ...TEST_CREDENTIAL, password: options.password ?? TEST_CREDENTIAL.password },
          role: 'operator',
        },
        { secret: { kind: 'plain', ...TEST_DEVICE_CREDENTIAL }, role: 'device' },
      ],
      NODE_CREDENTIAL_HASHING,
    ),
    tls,
    logger,
    storageMetrics,
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  const { deltaOffers } = options;
  const server = await FuotaServer.start(parts, (container) => {
    if (deltaOffers !== undefined) container.rebind<DeltaOffers>(DELTA_OFFERS).toConstantValue(deltaOffers);
  });
  const client = new HttpsTestClient(`https://localhost:${server.address.port}`, tls.cert, TEST_CREDENTIAL);
  return {
    server,
    client,
    storage,
    logger,
    config,
    dataDir,
    async stop() {
      await server.stop();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
