import { createHash } from 'node:crypto';
import { expect } from 'chai';
import {
  estimatedBuildBytes,
  WorkerDeltaPatchBuilder,
} from '../../../src/adapters/outbound/delta/worker-delta-patch-builder.js';
import { applyDeltaPatch, readDeltaPatchHeader } from '../../../src/domain/delta/delta-patch.js';
import { buildEspImage } from '../../support/esp-image-builder.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const LIMITS = { buildTimeoutMs: 30_000, buildMemoryMiB: 256, concurrency: 1 };

describe('WorkerDeltaPatchBuilder', () => {
  const base = buildEspImage({ version: '1.0.0', segmentLengths: [65_536, 4096] });
  const target = buildEspImage({ version: '1.1.0', segmentLengths: [65_536, 4096] });
  const baseImageSha256 = sha256(base.subarray(0, base.length - 32));

  it('makes a patch in a worker thread that applies back to the target, with the base digest in its header', async () => {
    const builder = new WorkerDeltaPatchBuilder(LIMITS);
    try {
      const result = await builder.build({ base, target, baseImageSha256 });
      if (result.kind !== 'built') expect.fail(`not built: ${result.fault} ${result.detail}`);
      expect(sha256(applyDeltaPatch(base, result.patch))).to.equal(sha256(target));
      expect(Buffer.from(readDeltaPatchHeader(result.patch).baseImageSha256).toString('hex')).to.equal(baseImageSha256);
      // The caller's buffers are its own still (copies were moved into the worker).
      expect(base.length).to.be.greaterThan(0);
    } finally {
      await builder.close();
    }
  });

  it('runs several builds one at a time with concurrency 1, each to its own result', async () => {
    const builder = new WorkerDeltaPatchBuilder(LIMITS);
    try {
      const other = buildEspImage({ version: '1.2.0', segmentLengths: [65_536, 4096] });
      const results = await Promise.all([
        builder.build({ base, target, baseImageSha256 }),
        builder.build({ base, target: other, baseImageSha256 }),
      ]);
      expect(results.map((result) => result.kind)).to.deep.equal(['built', 'built']);
      const [one, two] = results.map((result) => (result.kind === 'built' ? result.patch : new Uint8Array()));
      expect(sha256(applyDeltaPatch(base, one!))).to.equal(sha256(target));
      expect(sha256(applyDeltaPatch(base, two!))).to.equal(sha256(other));
    } finally {
      await builder.close();
    }
  });

  it('refuses, without starting, a pair whose estimated memory (32 MiB + 12x base + 6x target) is above the cap', async () => {
    const builder = new WorkerDeltaPatchBuilder({ ...LIMITS, buildMemoryMiB: 1 });
    const big = new Uint8Array(100_000);
    expect(estimatedBuildBytes(big.length, big.length)).to.equal(32 * 1024 * 1024 + 1_800_000);
    const result = await builder.build({ base: big, target: big, baseImageSha256 });
    expect(result).to.include({ kind: 'failed', fault: 'too-large' });
    await builder.close();
  });

  it('stops a build that runs past the time limit (the worker is terminated)', async () => {
    const builder = new WorkerDeltaPatchBuilder({ ...LIMITS, buildTimeoutMs: 1 });
    const result = await builder.build({ base, target, baseImageSha256 });
    expect(result).to.include({ kind: 'failed', fault: 'timeout' });
    await builder.close();
  });

  it('fails the builds under way and refuses new ones once closed', async () => {
    const builder = new WorkerDeltaPatchBuilder(LIMITS);
    const running = builder.build({ base, target, baseImageSha256 });
    await builder.close();
    expect((await running).kind).to.equal('failed');
    expect((await builder.build({ base, target, baseImageSha256 })).kind).to.equal('failed');
  });
});
