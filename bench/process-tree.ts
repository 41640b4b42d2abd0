import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds } from './proc-stats.js';

/** The parent pid of every process now running, from /proc/<pid>/stat. */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The parent is the 4th field, the 2nd after the command name (which may hold spaces).
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // it ended while being read
    }
  }
  return parentOf;
}

/** `pid` and every process descended from it (a server's node:cluster workers). */
export function processTree(pid: number): number[] {
  const parentOf = parents();
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/**
 * CPU seconds (user + system) used so far by each of `pids`, keyed by pid; a process that has
 * ended is left out (its time is lost, so compare two readings over the pids present in both).
 */
export function cpuByPid(pids: readonly number[]): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    try {
      used.set(pid, cpuSeconds(pid));
    } catch {
      // ended
    }
  }
  return used;
}

/** The CPU seconds the processes present in both readings used between them. */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) {
    const earlier = before.get(pid);
    if (earlier !== undefined) total += seconds - earlier;
  }
  return total;
}
