import { expect } from 'chai';
import { Writable } from 'node:stream';
import { sendBlob } from '../../../src/adapters/inbound/http/blob-sender.js';
import { ChunkPool } from '../../../src/adapters/inbound/http/chunk-pool.js';
import type { ByteRange, OpenedBlob } from '../../../src/ports/blob-store.port.js';

const content = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 31) % 241));
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** An opened blob over `bytes` whose reads take a turn of the event loop, as a disk read does. */
function blobOf(bytes: Buffer, size = bytes.length) {
  const calls = { reads: 0, releases: 0, readsAfterRelease: 0, readsAtOnce: 0, running: 0 };
  const blob: OpenedBlob = {
    info: { size, modifiedAt: new Date(0), changeToken: '1' },
    content: () => {
      throw new Error('sendBlob reads with read()');
    },
    read: async (target, position) => {
      calls.reads += 1;
      if (calls.releases > 0) calls.readsAfterRelease += 1;
      calls.running += 1;
      calls.readsAtOnce = Math.max(calls.readsAtOnce, calls.running);
      await tick();
      calls.running -= 1;
      const from = Math.min(position, bytes.length);
      return bytes.copy(target, 0, from, Math.min(from + target.length, bytes.length));
    },
    release: async () => {
      calls.releases += 1;
    },
  };
  return { blob, calls };
}

/**
 * A slow reader: it takes each chunk's bytes only when it completes the write, a timer later, so a
 * buffer that went back to the pool before its write's callback shows up as wrong bytes.
 */
function slowSink(highWaterMark = 4096) {
  const received: Buffer[] = [];
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      // A timer, so that several reads (a turn each) can run before the chunk is taken.
      setTimeout(() => {
        received.push(Buffer.from(chunk));
        done();
      }, 1);
    },
  });
  const closed = new Promise<void>((resolve) => sink.once('close', () => resolve()));
  return { sink, received, closed };
}

/** Sends `blob` (or a range) through a slowSink until it closes: what arrived, what was reported. */
async function sendToSlowSink(blob: OpenedBlob, pool: ChunkPool, range?: ByteRange) {
  const { sink, received, closed } = slowSink();
  const failures: string[] = [];
  const sending = sendBlob(blob, range, sink, pool, (error) => failures.push(error.message));
  await closed;
  return { sink, received: Buffer.concat(received), failures, bytesSent: sending.bytesSent };
}

/**
 * An answer cut short after `sent` bytes were handed over. Destroying drops what the reader had
 * not taken yet: what it took is a prefix of the file.
 */
function expectCutShortAfter(sent: { received: Buffer; bytesSent: number }, bytes: number): void {
  expect(sent.received.length).to.be.at.most(bytes);
  expect(sent.received.equals(content.subarray(0, sent.received.length))).to.equal(true);
  expect(sent.bytesSent).to.equal(bytes);
}

describe('sendBlob', () => {
  it('sends exactly the bytes of the blob or of a range, reusing buffers only after their write is done', async () => {
    for (const range of [
      undefined,
      { start: 0, end: 0 },
      { start: 1234, end: 45_678 },
      { start: 49_000, end: 49_999 },
    ]) {
      const label = JSON.stringify(range);
      const pool = new ChunkPool(1000, 3);
      const { blob, calls } = blobOf(content);
      const { sink, received, failures, bytesSent } = await sendToSlowSink(blob, pool, range);
      const expected = range === undefined ? content : content.subarray(range.start, range.end + 1);
      expect(received.equals(expected), label).to.equal(true);
      expect(bytesSent, label).to.equal(expected.length);
      expect(sink.writableFinished, label).to.equal(true);
      expect(failures, label).to.deep.equal([]);
      expect(calls.releases, label).to.equal(1);
      expect(calls.readsAfterRelease, label).to.equal(0);
      expect(calls.readsAtOnce, 'one read at a time').to.equal(1);
      expect(pool.idle, label).to.be.within(1, 3);
    }
  });

  it('ends an empty blob at once and releases it', async () => {
    const { blob, calls } = blobOf(Buffer.alloc(0));
    const { sink, received } = await sendToSlowSink(blob, new ChunkPool());
    expect(received.length).to.equal(0);
    expect(sink.writableFinished).to.equal(true);
    expect(calls).to.include({ reads: 0, releases: 1 });
  });

  it('cuts the answer short, never sending unread bytes, when the file ends before its size', async () => {
    const pool = new ChunkPool(1000, 4);
    // A buffer full of an earlier chunk's bytes: none of them may go out as this file's.
    const used = pool.take();
    used.fill(0xab);
    pool.give(used);
    const { blob, calls } = blobOf(content.subarray(0, 2500), 5000);
    const sent = await sendToSlowSink(blob, pool);
    expectCutShortAfter(sent, 2000);
    expect(sent.sink.writableFinished).to.equal(false);
    expect(sent.failures).to.deep.equal(['the file ended at byte 2500 of 5000']);
    expect(calls.releases).to.equal(1);
  });

  it('destroys the answer, reports the error and releases the blob when a read fails', async () => {
    const { blob, calls } = blobOf(content);
    let reads = 0;
    const failing: OpenedBlob = {
      ...blob,
      read: async (target, position) => {
        reads += 1;
        if (reads === 3) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
        return blob.read(target, position);
      },
    };
    const sent = await sendToSlowSink(failing, new ChunkPool(1000));
    expectCutShortAfter(sent, 2000);
    expect(sent.sink.destroyed).to.equal(true);
    expect(sent.failures).to.deep.equal(['EIO: i/o error, read']);
    expect(calls.releases).to.equal(1);
  });

  it('reports a release that fails, after sending every byte', async () => {
    const { blob } = blobOf(content);
    const closing: OpenedBlob = { ...blob, release: () => Promise.reject(new Error('EIO: i/o error, close')) };
    const { sink, received, failures } = await sendToSlowSink(closing, new ChunkPool(4096));
    expect(received.equals(content)).to.equal(true);
    expect(sink.writableFinished).to.equal(true);
    expect(failures).to.deep.equal(['closing the file: EIO: i/o error, close']);
  });

  it('stops reading when the client goes away, and releases only once the running read is back', async () => {
    const { blob, calls } = blobOf(content);
    let resolveHeld: (() => void) | undefined;
    let readsStarted = 0;
    const held: OpenedBlob = {
      ...blob,
      read: async (target, position) => {
        readsStarted += 1;
        // The third read waits until the test lets it go.
        if (readsStarted === 3) await new Promise<void>((resolve) => (resolveHeld = resolve));
        return blob.read(target, position);
      },
    };
    const { sink, closed } = slowSink(1 << 20);
    const failures: Error[] = [];
    sendBlob(held, undefined, sink, new ChunkPool(1000), (error) => failures.push(error));
    while (resolveHeld === undefined) await tick();
    sink.destroy();
    await closed;
    await tick();
    expect(calls.releases, 'released while a read was running').to.equal(0);
    resolveHeld();
    for (let turn = 0; turn < 5; turn += 1) await tick();
    expect(calls.releases).to.equal(1);
    expect(readsStarted, 'read on after the client left').to.equal(3);
    expect(failures).to.deep.equal([]);
  });

  it('releases the blob when the client goes away while the answer waits for drain', async () => {
    const { blob, calls } = blobOf(content);
    // A reader that never takes anything: the sender fills the high-water mark, then waits.
    const stuck = new Writable({ highWaterMark: 2000, write: () => {} });
    sendBlob(blob, undefined, stuck, new ChunkPool(1000), () => {});
    while (!stuck.writableNeedDrain) await tick();
    for (let turn = 0; turn < 5; turn += 1) await tick();
    const readsBefore = calls.reads;
    expect(calls.releases).to.equal(0);
    stuck.destroy();
    for (let turn = 0; turn < 5; turn += 1) await tick();
    expect(calls.releases).to.equal(1);
    expect(calls.reads).to.equal(readsBefore);
  });
});

describe('ChunkPool', () => {
  it('hands out a buffer it was given back, and keeps no more idle buffers than it may', () => {
    const pool = new ChunkPool(16, 2);
    const taken = [pool.take(), pool.take(), pool.take()];
    expect(taken.every((chunk) => chunk.length === 16)).to.equal(true);
    expect(new Set(taken).size).to.equal(3);
    for (const chunk of taken) pool.give(chunk);
    expect(pool.idle).to.equal(2);
    const again = pool.take();
    expect(taken.includes(again)).to.equal(true);
    expect(pool.idle).to.equal(1);
  });
});
