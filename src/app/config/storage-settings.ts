/**
 * Where the server keeps its state and its update files. Both unset: the embedded defaults (one
 * sql.js database file and a files directory in the data dir, one process). Set, they name
 * storage that several fuota processes can share.
 */
export interface StorageSettings {
  /** PostgreSQL for every table (FUOTA_DATABASE_URL), or undefined for the embedded database. */
  readonly database: PostgresSettings | undefined;
  /** An S3-compatible bucket for update files (FUOTA_BLOB_URL), or undefined for the data dir. */
  readonly blobs: S3Settings | undefined;
}

export interface PostgresSettings {
  /** `postgres://user:password@host:port/database` (node-postgres's connection string). */
  readonly url: string;
  /** Connections this process keeps at most (FUOTA_DATABASE_POOL_SIZE). */
  readonly poolSize: number;
}

export interface S3Settings {
  readonly bucket: string;
  /** Key prefix below which every object lives ('' for the bucket's root). */
  readonly prefix: string;
  /** The service's address (MinIO, R2...); undefined for AWS S3 itself. */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO needs it). */
  readonly pathStyle: boolean;
}

/** Whether every instance started with these settings sees the same state and files. */
export function isSharedStorage(settings: StorageSettings): boolean {
  return settings.database !== undefined && settings.blobs !== undefined;
}
