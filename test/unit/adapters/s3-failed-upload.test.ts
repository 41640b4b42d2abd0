import type { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { S3BlobStore } from '../../../src/adapters/outbound/s3/s3-blob-store.js';
import { S3Unavailable } from '../../../src/adapters/outbound/s3/s3-unavailable.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';

const PART = 5 * 1024 * 1024;

/**
 * A bucket that takes the first part of a multipart upload, fails the second as a hung store
 * does once the SDK has given up, and never answers the abort: an S3 client that only this test
 * drives (the real store's part of it, its requests by name, is all the store sends).
 */
function hangingBucket(): { client: S3Client; sent: string[] } {
  const sent: string[] = [];
  let parts = 0;
  const send = (command: object): Promise<unknown> => {
    const name = command.constructor.name;
    sent.push(name);
    switch (name) {
      case 'ListObjectsV2Command':
        return Promise.resolve({ KeyCount: 0, Contents: [] });
      case 'ListMultipartUploadsCommand':
        return Promise.resolve({ Uploads: [] });
      case 'HeadObjectCommand':
        return Promise.reject(
          Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
        );
      case 'CreateMultipartUploadCommand':
        return Promise.resolve({ UploadId: 'upload-1' });
      case 'UploadPartCommand':
        parts += 1;
        return parts === 1
          ? Promise.resolve({ ETag: '"part-1"' })
          : Promise.reject(new S3Unavailable('the test bucket (hung)', new Error('socket timed out')));
      case 'AbortMultipartUploadCommand':
        return new Promise(() => {}); // the store hangs: never answered
      default:
        return Promise.reject(new Error(`unexpected ${name}`));
    }
  };
  return { client: { send } as unknown as S3Client, sent };
}

async function* bytes(total: number): AsyncIterable<Uint8Array> {
  for (let sent = 0; sent < total; sent += 1024 * 1024) yield new Uint8Array(Math.min(1024 * 1024, total - sent));
}

describe('an S3 upload that fails midway', () => {
  it('fails at once with the store’s error, the abort of its parts left to finish (or to the next start)', async () => {
    const { client, sent } = hangingBucket();
    const store = await S3BlobStore.open({ client, bucket: 'fleet', prefix: '' });
    const put = store.put('fw/big.bin' as UpdateFilePath, bytes(2 * PART + 10), { maxBytes: 64 * PART });
    const outcome = await Promise.race([
      put.then(
        () => 'stored',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000)),
    ]);
    // Waiting for the abort held the answer past the client's own idle timeout: a 503 became a
    // cut connection, logged as the client's abort.
    expect(outcome).to.be.instanceOf(S3Unavailable);
    expect(sent).to.include('AbortMultipartUploadCommand');
  });
});
