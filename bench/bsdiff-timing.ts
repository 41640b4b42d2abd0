import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bsdiffControls } from '../src/domain/delta/bsdiff.js';
import { largeImagePair } from '../test/support/delta-pairs.js';

/**
 * Time and peak memory of bsdiff's controls for flash-image-like pairs (1.5 and 4 MiB unless
 * sizes in MiB are given), each size in a process of its own so that its peak RSS is its own.
 * `node dist/bench/bsdiff-timing.js [MiB...]`. Kept out of `npm test`: the 4 MiB case is the
 * budget's edge (patch creation under 10 s and 300 MiB).
 */
const MIB = 1024 * 1024;

function measureOne(size: number): void {
  const { base, target } = largeImagePair(size);
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const controls = bsdiffControls(base, target);
  const seconds = (performance.now() - started) / 1000;
  // CPU time too: on a shared, loaded machine wall time says more about the neighbours.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const extra = controls.reduce((sum, control) => sum + control.extraLength, 0);
  console.log(
    JSON.stringify({
      mib: size / MIB,
      seconds: Number(seconds.toFixed(2)),
      cpuSeconds: Number(cpuSeconds.toFixed(2)),
      peakRssMib: Math.round(peakRss / MIB),
      rssBeforeMib: Math.round(rssBefore / MIB),
      controls: controls.length,
      extraBytes: extra,
    }),
  );
}

const args = process.argv.slice(2);
if (args[0] === '--one') measureOne(Number(args[1]));
else {
  for (const mib of args.length > 0 ? args.map(Number) : [1.5, 4]) {
    const size = Math.round(mib * MIB);
    process.stdout.write(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--one', String(size)]));
  }
}
