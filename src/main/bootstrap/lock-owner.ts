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
    bootId: await readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((text) => text.trim(), () => undefined),
    pidNamespace: await readlink('/proc/self/ns/pid').catch(() => undefined),
    pid: process.pid,
    startTime: await processStartTime(process.pid),
    since: new Date().toISOString(),
  };
}

/**
 * The start time of the process `pid` in our namespace, or undefined when no such process runs.
 * A zombie (state Z, or X while it is reaped) has exited and holds nothing, though its pid stays
 * until its parent reaps it: right after a `kill -9` it is not a live owner.
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
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

/** For a visible owner: does the very process that took the lock still run? */
export async function isStillRunning(owner: LockOwner): Promise<boolean> {
  const startTime = await processStartTime(owner.pid);
  return startTime !== undefined && startTime === owner.startTime;
}

/** Reads an owner record; undefined when missing or unreadable (a lock being created, or a crash mid-write). */
export async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof record.token !== 'string' || typeof record.host !== 'string' || typeof record.pid !== 'number') return undefined;
    return record as LockOwner;
  } catch {
    return undefined;
  }
}

/** "host X, pid N": how a person finds the owner. */
export function describeOwner(owner: LockOwner): string {
  return `host ${owner.host}, pid ${owner.pid}, since ${owner.since}`;
}
