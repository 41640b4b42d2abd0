import { readFileSync } from 'node:fs';

/**
 * Linux pressure stall information (/proc/pressure/cpu): the microseconds so far during which at
 * least one runnable task waited for a CPU, or undefined where the kernel does not give it. On
 * this shared machine other people's processes take CPU from the server and the load generator
 * (both pinned to one core each): the share of a step spent so is how far its latency tells about
 * fuota rather than about the neighbours.
 */
export function cpuStallMicroseconds(): number | undefined {
  try {
    const match = /^some .*total=(\d+)$/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** The share of `seconds` during which some task waited for a CPU, between two readings. */
export function stallShare(before: number | undefined, after: number | undefined, seconds: number): number | null {
  if (before === undefined || after === undefined || seconds <= 0) return null;
  return (after - before) / 1e6 / seconds;
}
