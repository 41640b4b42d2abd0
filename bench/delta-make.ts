/**
 * One patch made in a process of its own, for `npm run bench`'s patch rows: argv base, target;
 * prints one JSON line with the seconds makeDeltaPatch took, the patch's size, whether it applied
 * back, and the process's peak RSS (what a worker making this patch costs, Node's own baseline
 * included).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { applyDeltaPatch, makeDeltaPatch } from '../src/domain/delta/delta-patch.js';

const [basePath, targetPath] = process.argv.slice(2);
if (basePath === undefined || targetPath === undefined) throw new Error('usage: delta-make <base> <target>');
const base = readFileSync(basePath);
const target = readFileSync(targetPath);
const digest = createHash('sha256').update(base).digest();
const started = performance.now();
const patch = makeDeltaPatch(base, target, digest);
const seconds = (performance.now() - started) / 1000;
const rebuilt = applyDeltaPatch(base, patch);
process.stdout.write(
  `${JSON.stringify({
    seconds,
    patchBytes: patch.length,
    appliesBack: Buffer.from(rebuilt).equals(target),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
