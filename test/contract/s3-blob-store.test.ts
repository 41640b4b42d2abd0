import { Readable } from 'node:stream';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { eventually } from '../support/eventually.js';
import { MIN_PART_SIZE, S3BlobStore } from '../../src/adapters/outbound/s3/s3-blob-store.js';
import type { TestS3Server } from '../support/s3-server.js';
import { requireS3Server } from '../support/s3-server.js';
import { blobStoreContract, chunks, p, readAll } from './blob-store.contract.js';

let server: TestS3Server | undefined;
let testNumber = 0;

describe('S3BlobStore on s3rver', function () {
  before(async function () {
    server = await requireS3Server(this);
  });
  after(async () => {
    await server?.stop();
  });

  // Each test a prefix of its own in the file's bucket; the bucket is emptied after each.
  blobStoreContract('S3-compatible (s3rver)', {
    open: () => S3BlobStore.open({ client: server!.client, bucket: server!.bucket, prefix: `t${++testNumber}/files` }),
    cleanup: () => server!.empty(),
  });

  blobStoreContract('S3-compatible (s3rver), at the bucket root', {
    open: () => S3BlobStore.open({ client: server!.client, bucket: server!.bucket }),
    cleanup: () => server!.empty(),
  });

  describe('S3-specific', () => {
    let store: S3BlobStore;
    const prefix = 'fw-images';
    beforeEach(async () => {
      store = await S3BlobStore.open({ client: server!.client, bucket: server!.bucket, prefix });
    });
    afterEach(async () => {
      await store.close();
      await server!.empty();
    });

    async function allKeys(): Promise<string[]> {
      const page = await server!.client.send(new ListObjectsV2Command({ Bucket: server!.bucket }));
      return (page.Contents ?? []).map((object) => object.Key ?? '').sort();
    }

    /**
     * The multipart uploads the client started and did not complete or abort. s3rver implements
     * neither ListMultipartUploads nor AbortMultipartUpload, so what is checked is that the store
     * asks for every upload it started to be completed or aborted (on AWS S3, MinIO and R2 the
     * abort frees the parts; the store's open also aborts uploads a crash left, where listed).
     */
    function trackUploads(client: S3Client): { pending: () => string[]; parts: () => number[]; stop: () => void } {
      const started = new Set<string>();
      const parts: number[] = [];
      const name = `track-uploads-${Math.random()}`;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          const command = (context as { commandName?: string }).commandName;
          const input = args.input as { UploadId?: string };
          const output = result.output as { UploadId?: string };
          if (command === 'CreateMultipartUploadCommand' && output.UploadId !== undefined) started.add(output.UploadId);
          if (command === 'CompleteMultipartUploadCommand' && input.UploadId !== undefined)
            started.delete(input.UploadId);
          if (command === 'UploadPartCommand')
            parts.push((args.input as { ContentLength?: number }).ContentLength ?? -1);
          return result;
        },
        { step: 'initialize', name },
      );
      // An abort answered "not implemented" (s3rver) still counts as asked for.
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as { UploadId?: string };
          if (
            (context as { commandName?: string }).commandName === 'AbortMultipartUploadCommand' &&
            input.UploadId !== undefined
          ) {
            started.delete(input.UploadId);
          }
          return next(args);
        },
        { step: 'initialize', name: `${name}-abort` },
      );
      return {
        pending: () => [...started],
        parts: () => parts,
        stop: () => {
          client.middlewareStack.remove(name);
          client.middlewareStack.remove(`${name}-abort`);
        },
      };
    }

    function body(size: number): Buffer {
      return Buffer.from(Array.from({ length: size }, (_, i) => (i * 31) % 256));
    }

    it('stores a body larger than one part as a multipart upload, whole, under <prefix>/<path>', async () => {
      const uploads = trackUploads(server!.client);
      const content = body(MIN_PART_SIZE * 2 + 12_345);
      const stored = await store.put(
        p('fw/big.bin'),
        Readable.from([content.subarray(0, 100_000), content.subarray(100_000)]),
        {
          maxBytes: 64 << 20,
        },
      );
      await stored.settle();
      expect(stored.size).to.equal(content.length);
      expect(uploads.parts(), 'two whole parts and the rest').to.deep.equal([MIN_PART_SIZE, MIN_PART_SIZE, 12_345]);
      expect((await readAll(store, 'fw/big.bin'))?.equals(content)).to.equal(true);
      expect(await allKeys()).to.deep.equal(['fw-images/fw/big.bin']);
      expect(uploads.pending()).to.deep.equal([]);
      uploads.stop();
    });

    it('leaves nothing visible and no pending multipart upload when an upload fails midway or grows too large', async () => {
      const uploads = trackUploads(server!.client);
      await (await store.put(p('fw/a.bin'), chunks('old'), { maxBytes: 100 })).settle();
      async function* cutAfterTwoParts(): AsyncIterable<Uint8Array> {
        yield body(MIN_PART_SIZE);
        yield body(MIN_PART_SIZE);
        throw new Error('connection reset');
      }
      expect(
        await store.put(p('fw/a.bin'), cutAfterTwoParts(), { maxBytes: 64 << 20 }).catch((e: Error) => e.message),
      ).to.equal('connection reset');
      expect(
        await store.put(p('fw/new.bin'), cutAfterTwoParts(), { maxBytes: 64 << 20 }).catch((e: Error) => e.message),
      ).to.equal('connection reset');
      expect(
        await store
          .put(p('fw/a.bin'), Readable.from([body(MIN_PART_SIZE), body(10)]), { maxBytes: MIN_PART_SIZE + 5 })
          .catch((e: unknown) => e),
      ).to.have.property('code', 'payload-too-large');
      // Aborts are asked for without holding the failure back (a hung store would hang them too).
      await eventually(() => uploads.pending().length === 0, 'every multipart upload started is aborted');
      uploads.stop();
      expect(await allKeys()).to.deep.equal(['fw-images/fw/a.bin']);
      expect((await readAll(store, 'fw/a.bin'))?.toString()).to.equal('old');
    });

    it('keeps the previous version under a hidden key until settled or reverted, then removes it', async () => {
      await (await store.put(p('a.bin'), chunks('one'), { maxBytes: 100 })).settle();
      const second = await store.put(p('a.bin'), chunks('two'), { maxBytes: 100 });
      const during = await allKeys();
      expect(during).to.have.length(2);
      expect(during.filter((key) => key.startsWith('fw-images/.fuota-aside/'))).to.have.length(1);
      const listed: string[] = [];
      for await (const path of store.list()) listed.push(path);
      expect(listed, 'the copy aside is not listed').to.deep.equal(['a.bin']);
      await second.settle();
      expect(await allKeys()).to.deep.equal(['fw-images/a.bin']);
      await (await store.put(p('a.bin'), chunks('three'), { maxBytes: 100 })).revert();
      expect(await allKeys()).to.deep.equal(['fw-images/a.bin']);
      expect((await readAll(store, 'a.bin'))?.toString()).to.equal('two');
    });

    it('finds after close and reopen every settled and reverted upload as it was left', async () => {
      await (await store.put(p('fw/a.bin'), chunks('kept'), { maxBytes: 100 })).settle();
      await (await store.put(p('fw/a.bin'), chunks('refused'), { maxBytes: 100 })).revert();
      await (await store.put(p('fw/b.bin'), chunks('bee'), { maxBytes: 100 })).settle();
      const token = (await store.stat(p('fw/a.bin')))?.changeToken;
      await store.close();
      store = await S3BlobStore.open({ client: server!.client, bucket: server!.bucket, prefix });
      expect((await store.stat(p('fw/a.bin')))?.changeToken).to.equal(token);
      expect((await readAll(store, 'fw/a.bin'))?.toString()).to.equal('kept');
      expect((await readAll(store, 'fw/b.bin'))?.toString()).to.equal('bee');
      const listed: string[] = [];
      for await (const path of store.list()) listed.push(path);
      expect(listed.sort()).to.deep.equal(['fw/a.bin', 'fw/b.bin']);
      expect(await allKeys(), 'no copy aside left').to.deep.equal(['fw-images/fw/a.bin', 'fw-images/fw/b.bin']);
    });

    it('reads a range of a stored object', async () => {
      const content = body(100_000);
      await store.put(p('fw/app.bin'), chunks(content), { maxBytes: 1 << 20 });
      expect(
        (await readAll(store, 'fw/app.bin', { start: 99_990, end: 99_999 }))?.equals(content.subarray(99_990)),
      ).to.equal(true);
      expect((await readAll(store, 'fw/app.bin', { start: 0, end: 0 }))?.equals(content.subarray(0, 1))).to.equal(true);
    });

    // Reads ask with If-Match and check the answer's ETag: s3rver ignores If-Match, so here the
    // check of the ETag is what fails the read (AWS S3, MinIO and R2 answer 412 first).
    it('fails the read of a version that another writer replaced since it was opened, never mixing versions', async () => {
      await store.put(p('a.bin'), chunks('version one'), { maxBytes: 100 });
      const opened = (await store.open(p('a.bin')))!;
      // Another instance (or anyone) writes the key directly: this store cannot keep the old version.
      await server!.client.send(
        new PutObjectCommand({ Bucket: server!.bucket, Key: 'fw-images/a.bin', Body: 'version two!' }),
      );
      const error = await opened.read(Buffer.alloc(64), 0).catch((e: Error) => e);
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/replaced or deleted by another writer since it was opened/);
      await opened.release();
      const again = await readAll(store, 'a.bin');
      expect(again?.toString()).to.equal('version two!');
    });

    it('asks again for the rest of a body the store cut short, and fails a read still short rather than pass it for the end', async () => {
      // Seen once under load (CI): a ranged read of s3rver came back empty, and read() said 0,
      // as at the end of the file: a download would have stopped short of its Content-Length.
      const content = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 11) % 251));
      await (await store.put(p('cut.bin'), chunks(content), { maxBytes: 100_000 })).settle();
      let cutsLeft = 0;
      const name = `cut-bodies-${Math.random()}`;
      server!.client.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if ((context as { commandName?: string }).commandName !== 'GetObjectCommand' || cutsLeft === 0) return result;
          cutsLeft -= 1;
          const output = result.output as { Body?: Readable };
          const whole = output.Body as Readable;
          // The first 1,000 bytes, then the end, as a connection cut midway may read.
          output.Body = Readable.from(
            (async function* () {
              let sent = 0;
              for await (const chunk of whole) {
                const bytes = chunk as Buffer;
                if (sent + bytes.length >= 1_000) {
                  yield bytes.subarray(0, 1_000 - sent);
                  break;
                }
                sent += bytes.length;
                yield bytes;
              }
              whole.destroy();
            })(),
          );
          return result;
        },
        { step: 'initialize', name },
      );
      try {
        const opened = (await store.open(p('cut.bin')))!;
        const target = Buffer.alloc(65_536);
        cutsLeft = 1;
        expect(await opened.read(target, 0)).to.equal(65_536);
        expect(target.equals(content.subarray(0, 65_536))).to.equal(true);
        cutsLeft = 2;
        const error = await opened.read(target, 0).catch((caught: unknown) => caught);
        expect(error).to.have.property('code', 'storage-unavailable');
        expect((error as Error).message).to.match(/sent 2000 of the 65536 bytes/);
        await opened.release();
      } finally {
        server!.client.middlewareStack.remove(name);
      }
    });

    it("answers repeated stats from a second's memory, its own writes at once, another writer's within the second", async () => {
      let heads = 0;
      const name = `count-heads-${Math.random()}`;
      server!.client.middlewareStack.add(
        (next, context) => async (args) => {
          if ((context as { commandName?: string }).commandName === 'HeadObjectCommand') heads += 1;
          return next(args);
        },
        { step: 'initialize', name },
      );
      try {
        await (await store.put(p('a.bin'), chunks('one'), { maxBytes: 100 })).settle();
        heads = 0;
        const first = await store.stat(p('a.bin'));
        for (let i = 0; i < 5; i += 1) expect(await store.stat(p('a.bin'))).to.deep.equal(first);
        expect(await store.stat(p('none.bin'))).to.equal(undefined);
        expect(await store.stat(p('none.bin'))).to.equal(undefined);
        expect(heads, 'one HeadObject per path').to.equal(2);
        // Its own write is seen at once, as is its own deletion.
        await (await store.put(p('a.bin'), chunks('three'), { maxBytes: 100 })).settle();
        expect((await store.stat(p('a.bin')))?.size).to.equal(5);
        await store.delete(p('a.bin'));
        expect(await store.stat(p('a.bin'))).to.equal(undefined);
        // Another writer's, behind the store's back: at once when asked fresh, within the second anyway.
        await server!.client.send(
          new PutObjectCommand({ Bucket: server!.bucket, Key: 'fw-images/none.bin', Body: 'four' }),
        );
        expect((await store.stat(p('none.bin'), { fresh: true }))?.size).to.equal(4);
        await server!.client.send(
          new PutObjectCommand({ Bucket: server!.bucket, Key: 'fw-images/none.bin', Body: 'five!' }),
        );
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        expect((await store.stat(p('none.bin')))?.size).to.equal(5);
      } finally {
        server!.client.middlewareStack.remove(name);
      }
    });

    it('answers a path with a dot segment with invalid-file-path, so nothing outside the prefix is reached', async () => {
      for (const path of ['../secret', '/etc/passwd', 'a/../../secret', '.fuota-aside/x']) {
        expect(await store.open(p(path)).catch((e: unknown) => e), path).to.have.property('code', 'invalid-file-path');
      }
    });

    it('removes a stale copy aside and a stale pending upload that a crash left, at open', async () => {
      await server!.client.send(
        new PutObjectCommand({ Bucket: server!.bucket, Key: 'fw-images/.fuota-aside/left-by-a-crash', Body: 'old' }),
      );
      await server!.client.send(new PutObjectCommand({ Bucket: server!.bucket, Key: 'fw-images/kept.bin', Body: 'k' }));
      await S3BlobStore.open({ client: server!.client, bucket: server!.bucket, prefix, staleAfterMs: -60_000 });
      expect(await allKeys()).to.deep.equal(['fw-images/kept.bin']);
    });
  });
});
