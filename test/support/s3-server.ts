import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3Timeouts } from '../../src/main/bootstrap/s3-blob-storage.js';
import { createS3Client } from '../../src/main/bootstrap/s3-blob-storage.js';

/*
 * The S3-compatible blob store's tests run against a real S3-compatible server: s3rver (from npm,
 * a devDependency), started in this process on a free loopback port with its data in a temporary
 * directory. Each test file starts its own server and makes its own bucket, so files running in
 * parallel never see each other's objects.
 */

/** What s3rver's (untyped) module offers that the tests use. */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  resetOnClose: boolean;
}) => S3rverInstance;

export const S3_HOW_TO = 'install the devDependencies (`npm ci`), which include s3rver';

/** A running s3rver with one bucket of its own; `stop()` ends it and removes its data. */
export interface TestS3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly client: S3Client;
  /** Removes every object in the bucket. */
  empty(): Promise<void>;
  stop(): Promise<void>;
}

function loadS3rver(): S3rverConstructor {
  return createRequire(import.meta.url)('s3rver') as S3rverConstructor;
}

/** A client for the server at `endpoint`: path-style, any static credentials (s3rver checks none). */
export function testClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

/**
 * A client with the server's own configuration (its timeouts, its 503 mapping) for `s3`, reached
 * on `port` (a TcpProxy in front of it, to cut the network), with the given timeouts.
 */
export function serverClientVia(s3: TestS3Server, port: number, timeouts: S3Timeouts): S3Client {
  return createS3Client(
    { bucket: s3.bucket, prefix: '', endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', pathStyle: true },
    undefined,
    timeouts,
    { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  );
}

async function startServer(): Promise<TestS3Server> {
  const S3rver = loadS3rver();
  const directory = await mkdtemp(join(tmpdir(), 'fuota-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, resetOnClose: false });
  let stopped = false;
  try {
    const { port } = await server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const bucket = `fuota-test-${randomBytes(4).toString('hex')}`;
    const client = testClient(endpoint);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return {
      endpoint,
      bucket,
      client,
      empty: () => emptyBucket(client, bucket),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        client.destroy();
        server.httpServer?.closeAllConnections();
        await server.close().catch(() => undefined);
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.close().catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Deletes every object in `bucket`. (s3rver implements neither ListMultipartUploads nor
 * AbortMultipartUpload: its pending uploads go with its directory when the server stops.)
 */
export async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [{ Key: object.Key }]));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
}

/**
 * Called first in a suite's `before`: starts an s3rver for the suite, or, when it cannot start,
 * skips the suite on a developer's machine (saying why) and fails it in CI (CI=true), so that a
 * broken install cannot hide the S3 tests.
 */
export async function requireS3Server(context: Mocha.Context): Promise<TestS3Server | undefined> {
  try {
    return await startServer();
  } catch (error) {
    const problem = `the S3-compatible test server (s3rver) could not start (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${problem}: ${S3_HOW_TO}`);
    console.warn(`      (skipped: ${problem}: ${S3_HOW_TO})`);
    context.skip();
    return undefined;
  }
}
