import type { StorageSettings } from '../../app/config/storage-settings.js';
import { describeUrl } from '../../adapters/outbound/postgres/postgres-url.js';

/** What the start-up log says of the storage in use (never a password). */
export function describeStorage(settings: StorageSettings): { readonly database: string; readonly files: string } {
  const { database, blobs } = settings;
  return {
    database:
      database === undefined ? 'embedded (devices.db in the data dir)' : `postgres ${describeUrl(database.url)}`,
    files:
      blobs === undefined
        ? 'files/ in the data dir'
        : `s3://${blobs.bucket}${blobs.prefix === '' ? '' : `/${blobs.prefix}`} at ${blobs.endpoint ?? 'AWS S3'} (${blobs.region}${blobs.pathStyle ? ', path style' : ''})`,
  };
}
