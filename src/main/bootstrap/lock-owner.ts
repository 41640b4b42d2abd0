import { randomBytes } from 'node:crypto';
import { readFile, readlink } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * Who holds a data-dir lock, written inside the lock. A pid alone means nothing across PID
 * namespaces (every container's server is pid 1) or after a reboot, so the record also says which
 * machine, boot and namespace the pid belongs to, and when that process started (a pid reused by
 * another process has another start time).
 */
export interface LockOwner {
  /** Random, per acquisition: "is this lock still mine?" compares it, never the pid. */
  readonly token: string;
  readonly host: string;
  /** /proc/sys/kernel/random/boot_id; absent where there is no /proc. */
  readonly bootId?: string | undefined;
  /** readlink /proc/self/ns/pid, e.g. "pid:[4026531836]"; absent where there is no /proc. */
  readonly pidNamespace?: string | undefined;
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); absent where there is no /proc. */
  readonly startTime?: string | undefined;
  readonly since: string;
}

/** This process, as a lock owner record. */
export async function currentOwner(): Promise<LockOwner> {
  return {
    token: randomBytes(16).toString('hex'),
    host: hostname(),
    bootId: await readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
      (text) => text.trim(),
      () => undefined,
    ),
    pidNamespace: await readlink('/proc/self/ns/pid').catch(() => undefined),
    pid: process.pid,
    startTime: await processStartTime(process.pid),
    since: new Date().toISOString(),
  };
}

/**
 * How we look at another process of our namespace. /proc can hide other users' processes
 * (mounted with hidepid=2), so a stat we cannot read does not mean the process is gone.
 */
export interface ProcessProbe {
  /** The text of /proc/<pid>/stat, or undefined when it cannot be read. */
  readStat(pid: number): Promise<string | undefined>;
  /** kill(pid, 0): whether the process exists (EPERM: it does, but belongs to another user). */
  exists(pid: number): boolean;
}

export const procProbe: ProcessProbe = {
  readStat: (pid) => readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined),
  exists(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

/**
 * The start time of the process `pid` in our namespace, or undefined when no such process runs
 * or its stat cannot be read.
 */
export async function processStartTime(pid: number, probe: ProcessProbe = procProbe): Promise<string | undefined> {
  const stat = await probe.readStat(pid);
  return stat === undefined ? undefined : parseStartTime(stat);
}

/**
 * Field 22 of a /proc/<pid>/stat text, or undefined for a zombie: a zombie (state Z, or X while
 * it is reaped) has exited and holds nothing, though its pid stays until its parent reaps it:
 * right after a `kill -9` it is not a live owner.
 */
function parseStartTime(stat: string): string | undefined {
  // The command name (field 2) is in parentheses and may hold spaces or ")": count from the last one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[3 - 3];
  if (state === 'Z' || state === 'X') return undefined;
  return fields[22 - 3];
}

/**
 * Whether `owner` is a process we can see and check: same host, same boot, same PID namespace,
 * all known. Only then does its pid mean anything to us.
 */
export function isVisibleFrom(owner: LockOwner, us: LockOwner): boolean {
  return (
    owner.host === us.host &&
    us.bootId !== undefined &&
    owner.bootId === us.bootId &&
    us.pidNamespace !== undefined &&
    owner.pidNamespace === us.pidNamespace
  );
}

/**
 * What a visible owner's pid tells: `running` (the very process that took the lock: same start
 * time), `gone` (no such process, a zombie, or a reused pid with another start time), or
 * `unknown` (a process with that pid exists but /proc does not show it to us, as with hidepid=2:
 * it may well be the owner, so only its heartbeat can tell).
 */
export type OwnerLiveness = 'running' | 'gone' | 'unknown';

export async function ownerLiveness(owner: LockOwner, probe: ProcessProbe = procProbe): Promise<OwnerLiveness> {
  const stat = await probe.readStat(owner.pid);
  if (stat === undefined) return probe.exists(owner.pid) ? 'unknown' : 'gone';
  const startTime = parseStartTime(stat);
  if (startTime === undefined) return 'gone';
  if (owner.startTime === undefined) return 'unknown';
  return startTime === owner.startTime ? 'running' : 'gone';
}

/** Reads an owner record; undefined when missing or unreadable (a lock being created, or a crash mid-write). */
export async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof record.token !== 'string' || typeof record.host !== 'string' || typeof record.pid !== 'number')
      return undefined;
    return record as LockOwner;
  } catch {
    return undefined;
  }
}

/** "host X, pid N": how a person finds the owner. */
export function describeOwner(owner: LockOwner): string {
  return `host ${owner.host}, pid ${owner.pid}, since ${owner.since}`;
}
