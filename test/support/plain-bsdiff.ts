import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { BsdiffControl } from '../../src/domain/delta/bsdiff-control.js';
import { requireTool } from './tools.js';

/**
 * Skips the calling suite when Debian's bsdiff or bzip2 is missing (fails in CI, like requireTool).
 * bsdiff has no option that exits 0 (even `-h` prints its usage and exits 1), so it is looked for
 * on PATH rather than run.
 */
export function requirePlainBsdiff(context: Mocha.Context): void {
  requireTool(context, 'bzip2', 'bzip2', '--help');
  const onPath = (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, 'bsdiff')));
  if (onPath) return;
  if (process.env.CI === 'true') throw new Error('bsdiff is not installed; .ci/run must install bsdiff');
  console.warn('      (skipped: bsdiff is not installed; apt-get install bsdiff)');
  context.skip();
}

/**
 * The controls Debian's `bsdiff` (Colin Percival's bsdiff 4.3) makes for a pair: runs it, then
 * reads its BSDIFF40 patch: "BSDIFF40", the compressed control block's length, the compressed
 * diff block's length, the new file's size (8-byte sign-magnitude little-endian integers), then
 * three bzip2 streams: control triples of such integers, diff bytes, extra bytes. The control
 * block is decompressed with the `bzip2` command.
 */
export function plainBsdiffControls(base: Uint8Array, target: Uint8Array): BsdiffControl[] {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-bsdiff-'));
  try {
    writeFileSync(join(dir, 'old'), base);
    writeFileSync(join(dir, 'new'), target);
    execFileSync('bsdiff', [join(dir, 'old'), join(dir, 'new'), join(dir, 'patch')]);
    const patch = readFileSync(join(dir, 'patch'));
    if (patch.subarray(0, 8).toString('latin1') !== 'BSDIFF40') throw new Error('not a BSDIFF40 patch');
    const controlLength = signMagnitude(patch, 8);
    if (signMagnitude(patch, 24) !== target.length) throw new Error("the patch's new size is not the target's");
    const block = execFileSync('bzip2', ['-dc'], { input: patch.subarray(32, 32 + controlLength) });
    if (block.length % 24 !== 0) throw new Error(`a control block of ${block.length} bytes`);
    const controls: BsdiffControl[] = [];
    for (let at = 0; at < block.length; at += 24) {
      controls.push({
        diffLength: signMagnitude(block, at),
        extraLength: signMagnitude(block, at + 8),
        seek: signMagnitude(block, at + 16),
      });
    }
    return controls;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** bsdiff's offtin: 63 bits of magnitude, little-endian, the top bit of the last byte the sign. */
function signMagnitude(bytes: Uint8Array, at: number): number {
  let magnitude = bytes[at + 7]! & 0x7f;
  for (let i = 6; i >= 0; i--) magnitude = magnitude * 256 + bytes[at + i]!;
  // -0 would not deep-equal 0.
  return (bytes[at + 7]! & 0x80) !== 0 && magnitude !== 0 ? -magnitude : magnitude;
}
