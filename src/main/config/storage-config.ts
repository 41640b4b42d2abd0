import { z } from 'zod';
import type { S3Settings, StorageSettings } from '../../app/config/storage-settings.js';
import { isUpdateFilePath } from '../../domain/update-file-path.js';
import { ConfigError } from './config-error.js';

/*
 * The shared-storage variables: FUOTA_DATABASE_URL (PostgreSQL), FUOTA_BLOB_URL (an S3-compatible
 * bucket) and the FUOTA_S3_* settings of the latter. The AWS credentials are not read here: the
 * AWS SDK takes them from its usual places (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a
 * profile, an instance role), so every way AWS users know works.
 */

const parsedUrl = (raw: string): URL | undefined => {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
};

// By its scheme, not by URL's parser: node-postgres reads forms URL refuses, such as a user name
// with no host before a Unix socket's directory (`postgres://user:pw@/db?host=/run/postgresql`).
export const databaseUrl = z
  .string()
  .refine(
    (raw) => /^postgres(?:ql)?:\/\/\S*$/i.test(raw),
    'must be a PostgreSQL URL: postgres://user:password@host:5432/database',
  )
  // node-postgres would read such a port as an unreachable server ("Invalid URL").
  .superRefine((raw, context) => {
    const valid = portsOf(raw).every(
      (port) => port === '' || (/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535),
    );
    // A raw `/`, `?` or `#` in the password (or user name) ends the host part early, and what
    // precedes it reads as a host and port. An `@` in the path then: node-postgres would connect
    // to the user name as a host, with the password's end as the database; a port that is none
    // otherwise. Either way, say what is wrong rather than that the port is.
    const atInPath = /^[a-z]+:\/\/[^/?#@]*\/[^?#]*@/i.test(raw);
    // A `?` or `#` followed by an `@` with no `=` between: a password, not a query (`?user=a@b`).
    const atInQuery = /^[a-z]+:\/\/[^/?#@]*[?#][^=&@]*@/i.test(raw);
    if (valid && !atInPath && !atInQuery) return;
    const unescaped = atInPath || atInQuery || /^[a-z]+:\/\/[^/?#@]*[/?#][^@]*@/i.test(raw);
    context.addIssue({
      code: 'custom',
      message: unescaped
        ? 'holds a raw /, ? or # in its user name or password: percent-encode them (%2F, %3F, %23)'
        : 'names a port that is none: a port is 1-65535 (postgres://user:password@host:5432/database)',
    });
  });

/**
 * The ports a PostgreSQL URL names, as written: after its host, and in `?port=` (which
 * node-postgres takes over the host's). None when none is written, or when the host cannot be
 * told apart (a raw `/` in a password, which node-postgres refuses for itself).
 */
function portsOf(raw: string): string[] {
  const ports: string[] = [];
  // The host part runs to the first `/`, `?` or `#` (as URL reads it), after the last `@`;
  // a bracketed IPv6 address holds colons of its own.
  const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(raw)?.[1] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const written = /^(?:\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(host);
  if (written?.[1] !== undefined) ports.push(written[1]);
  const query = raw.split('#', 1)[0]?.split('?')[1] ?? '';
  for (const pair of query.split('&')) if (pair.startsWith('port=')) ports.push(pair.slice('port='.length));
  return ports;
}

/** S3's bucket naming rules (AWS, MinIO and R2 agree on them): 3-63 of a-z 0-9 . - */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const blobUrl = z.string().refine((raw) => blobLocation(raw) !== undefined, {
  message:
    'must be s3://bucket or s3://bucket/prefix (bucket: 3-63 of a-z 0-9 . -; prefix: /-separated segments of A-Z a-z 0-9 . _ + -, none starting with a dot)',
});

export const endpointUrl = z
  .string()
  .refine(
    (raw) => ['http:', 'https:'].includes(parsedUrl(raw)?.protocol ?? ''),
    'must be an http:// or https:// URL, such as http://minio:9000',
  )
  // Credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never in an address that is logged.
  .refine((raw) => {
    const url = parsedUrl(raw);
    return url === undefined || (url.username === '' && url.password === '' && url.search === '' && url.hash === '');
  }, 'must be the address only (scheme, host, port): no user name, password or query');

/** The bucket and key prefix of `s3://bucket/prefix`, or undefined when it is not one. */
function blobLocation(raw: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(raw);
  if (match === null) return undefined;
  const bucket = match[1] ?? '';
  const prefix = (match[2] ?? '').replace(/\/+$/, '');
  if (!BUCKET.test(bucket) || bucket.includes('..')) return undefined;
  if (prefix !== '' && !isUpdateFilePath(prefix)) return undefined;
  return { bucket, prefix };
}

/** The validated variables this module's settings come from. */
export interface StorageVariables {
  readonly FUOTA_DATABASE_URL?: string | undefined;
  readonly FUOTA_DATABASE_POOL_SIZE: number;
  readonly FUOTA_BLOB_URL?: string | undefined;
  readonly FUOTA_S3_ENDPOINT?: string | undefined;
  readonly FUOTA_S3_REGION?: string | undefined;
  readonly FUOTA_S3_PATH_STYLE: boolean;
}

/**
 * The storage settings; `awsRegion` is AWS_REGION, the SDK's own variable, used when
 * FUOTA_S3_REGION is not set.
 */
export function storageSettings(values: StorageVariables, awsRegion: string | undefined): StorageSettings {
  const database =
    values.FUOTA_DATABASE_URL === undefined
      ? undefined
      : { url: values.FUOTA_DATABASE_URL, poolSize: values.FUOTA_DATABASE_POOL_SIZE };
  // S3 settings without FUOTA_BLOB_URL were refused before this (load-config.ts): the operator
  // meant to use a bucket, and files would otherwise land in the data dir unnoticed.
  if (values.FUOTA_BLOB_URL === undefined) return { database, blobs: undefined };
  const location = blobLocation(values.FUOTA_BLOB_URL);
  if (location === undefined) throw new ConfigError('FUOTA_BLOB_URL', 'must be s3://bucket/prefix');
  const blobs: S3Settings = {
    ...location,
    endpoint: values.FUOTA_S3_ENDPOINT,
    region: values.FUOTA_S3_REGION ?? (awsRegion !== undefined && awsRegion !== '' ? awsRegion : 'us-east-1'),
    pathStyle: values.FUOTA_S3_PATH_STYLE,
  };
  return { database, blobs };
}
