import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { lstat, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import type { Logger } from '../../ports/logger.port.js';
import { ConfigError } from '../config/config-error.js';
import { ensureDataDir } from './ensure-data-dir.js';
import type { LockOwner } from './lock-owner.js';
import { currentOwner, describeOwner, isStillRunning, isVisibleFrom, readOwner } from './lock-owner.js';

/** The lock directory in the data dir, and the owner record inside it. */
const LOCK_NAME = '.lock';
const OWNER_FILE = 'owner.json';

export interface DataDirLockOptions {
  /**
   * Called at most once if the lock stops being ours while held (another process took it, or the
   * heartbeat could not be written for longer than the stale time). The holder must stop writing.
   */
  readonly onLost: (error: Error) => void;
  /** Where "waiting for an abandoned lock to go stale" is said. */
  readonly logger?: Logger;
  /** A lock whose heartbeat is older than this is abandoned and taken over (at least 2000). */
  readonly staleMs?: number;
  /** How often the holder refreshes the heartbeat (at least 1000, at most staleMs / 2). */
  readonly heartbeatMs?: number;
}

/** Another live process holds the data dir: the program stops with exit code 1. */
export class DataDirInUse extends Error {
  /** `heartbeatAgeMs` is given for an owner we cannot see (another host or PID namespace). */
  constructor(dataDir: string, owner: LockOwner, unseen?: { heartbeatAgeMs: number; staleMs: number }) {
    super(
      unseen === undefined
        ? `${dataDir} is in use by another fuota process (${describeOwner(owner)}); stop it first`
        : `${dataDir} is in use by a fuota process in another PID namespace or on another host ` +
            `(${describeOwner(owner)}; its pid means nothing here), whose heartbeat is ` +
            `${Math.round(unseen.heartbeatAgeMs / 1000)} s old. Stop it first; if it has stopped already ` +
            `(a crashed container), its lock is taken over once the heartbeat is ${Math.round(unseen.staleMs / 1000)} s old: start again then`,
    );
    this.name = 'DataDirInUse';
  }
}

/**
 * One process at a time owns a data dir: the database lives in that process's memory and is
 * written whole, so a second writer (a second server, an import while serving) would lose rows.
 *
 * The lock is a lease (proper-lockfile: an atomic mkdir whose mtime the holder refreshes as a
 * heartbeat), so it holds across PID namespaces and hosts that share the volume, where a pid
 * means nothing. The owner record inside says who holds it: a lock left by a killed process that
 * we can see (same host, boot and PID namespace; its pid gone or reused) is taken over at once, so
 * restarts after a crash stay fast; one whose owner we cannot see is refused while its heartbeat
 * beats, and taken over only once it is stale.
 */
export class DataDirLock {
  private released = false;
  private lost = false;
  private stopHeartbeat: (() => Promise<void>) | undefined;

  private constructor(
    private readonly dataDir: string,
    private readonly directory: string,
    private readonly owner: LockOwner,
    private readonly onLost: (error: Error) => void,
  ) {}

  static async acquire(dataDir: string, options: DataDirLockOptions): Promise<DataDirLock> {
    await ensureDataDir(dataDir);
    const staleMs = Math.max(options.staleMs ?? 30_000, 2_000);
    const heartbeatMs = Math.min(Math.max(options.heartbeatMs ?? 5_000, 1_000), staleMs / 2);
    const directory = join(dataDir, LOCK_NAME);
    const us = await currentOwner();
    const held = new DataDirLock(dataDir, directory, us, options.onLost);
    let waitingSaid = false;
    for (;;) {
      await removeLegacyLockFile(directory, options.logger);
      try {
        held.stopHeartbeat = await lockfile.lock(dataDir, {
          lockfilePath: directory,
          realpath: false,
          stale: staleMs,
          update: heartbeatMs,
          fs: fsWritingOwner(us),
          onCompromised: (error) => held.lose(error),
        });
        return held;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // ENOTEMPTY: the library found the lock stale and could not rmdir it (the owner record is
        // inside): stale locks are judged and removed below, by owner, never blindly.
        if (code !== 'ELOCKED' && code !== 'ENOTEMPTY') throw unwritable(dataDir, error);
      }
      const verdict = await judge(directory, us, staleMs, heartbeatMs);
      if (verdict.kind === 'refuse') throw new DataDirInUse(dataDir, verdict.owner, verdict.unseen);
      if (verdict.kind === 'take') {
        if (await removeIfOwnedBy(directory, verdict.owner?.token)) {
          options.logger?.warn('took over the data dir lock', { reason: verdict.reason, ...(verdict.owner === undefined ? {} : { owner: describeOwner(verdict.owner) }) });
        }
        continue;
      }
      if (verdict.kind === 'wait') {
        if (!waitingSaid) {
          waitingSaid = true;
          options.logger?.warn("the data dir lock's heartbeat stopped; waiting until it is stale to take it over", {
            owner: verdict.owner === undefined ? 'unknown' : describeOwner(verdict.owner),
            staleInSeconds: Math.ceil(verdict.staleInMs / 1000),
          });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(50, Math.min(heartbeatMs, verdict.staleInMs + 10))));
      }
    }
  }

  /** Removes the lock, only if it is still ours (never another process's lock). Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    // Stops the heartbeat. The library also tries to rmdir the lock, which the owner record inside
    // makes fail: removal is done below, and only if the record is still ours.
    await this.stopHeartbeat?.().catch(() => {});
    if (!this.lost) await removeIfOwnedBy(this.directory, this.owner.token);
  }

  private lose(error: Error): void {
    if (this.released || this.lost) return;
    this.lost = true;
    this.onLost(new Error(`lost the lock on ${this.dataDir}: ${error.message}; another process may be using it`));
  }
}

type Verdict =
  | { kind: 'refuse'; owner: LockOwner; unseen?: { heartbeatAgeMs: number; staleMs: number } }
  | { kind: 'take'; owner: LockOwner | undefined; reason: string }
  | { kind: 'wait'; owner: LockOwner | undefined; staleInMs: number }
  | { kind: 'again' };

/** What to do about a lock someone else holds. */
async function judge(directory: string, us: LockOwner, staleMs: number, heartbeatMs: number): Promise<Verdict> {
  const found = await stat(directory).catch(() => undefined);
  if (found === undefined) return { kind: 'again' }; // released meanwhile
  const owner = await readOwner(join(directory, OWNER_FILE));
  if (owner !== undefined && isVisibleFrom(owner, us)) {
    if (await isStillRunning(owner)) return { kind: 'refuse', owner };
    return { kind: 'take', owner, reason: 'its owner no longer runs' };
  }
  const age = Date.now() - found.mtimeMs;
  if (age > staleMs) return { kind: 'take', owner, reason: `its heartbeat stopped ${Math.round(age / 1000)} s ago` };
  // A few missed beats are a busy machine; more mean the owner stopped (or the lock is being made).
  if (owner !== undefined && age <= heartbeatMs * 3) return { kind: 'refuse', owner, unseen: { heartbeatAgeMs: age, staleMs } };
  return { kind: 'wait', owner, staleInMs: staleMs - age };
}

/**
 * Removes the lock if its owner record carries `token` (undefined: has none). It is first renamed
 * away, atomically, and checked again there, so that a lock another process made in between is
 * never silently deleted: at worst that process sees its lock gone and stops.
 */
async function removeIfOwnedBy(directory: string, token: string | undefined): Promise<boolean> {
  if ((await readOwner(join(directory, OWNER_FILE)))?.token !== token) return false;
  const aside = `${directory}.removed-${randomBytes(6).toString('hex')}`;
  try {
    await rename(directory, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = await readOwner(join(aside, OWNER_FILE));
  await rm(aside, { recursive: true, force: true });
  return moved?.token === token;
}

/**
 * The file system the library uses, except that making the lock directory also writes our owner
 * record into it, before the library first stamps its heartbeat: a lock is never seen fresh
 * without an owner for longer than that write, and the stamp comes after the record (writing it
 * later would change the directory's mtime, which the library would take for a lost lock).
 */
function fsWritingOwner(us: LockOwner): typeof fs {
  return {
    ...fs,
    mkdir: ((path: string, callback: (error: NodeJS.ErrnoException | null) => void) => {
      fs.mkdir(path, (error) => {
        if (error !== null) return callback(error);
        writeFile(join(path, OWNER_FILE), `${JSON.stringify(us)}\n`, { mode: 0o644 }).then(
          () => callback(null),
          (writeError: NodeJS.ErrnoException) => void rm(path, { recursive: true, force: true }).finally(() => callback(writeError)),
        );
      });
    }) as typeof fs.mkdir,
  };
}

/** Earlier versions kept a pid file named .lock: meaningless across namespaces, so it goes. */
async function removeLegacyLockFile(directory: string, logger: Logger | undefined): Promise<void> {
  const found = await lstat(directory).catch(() => undefined);
  if (found === undefined || found.isDirectory()) return;
  await rm(directory, { force: true });
  logger?.warn('removed the pid lock file of an earlier fuota version', { path: directory });
}

/** Making the lock failed for a reason other than another holder: the data dir cannot be written. */
function unwritable(dataDir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT') {
    const user = process.getuid === undefined ? '' : ` by uid ${process.getuid()}`;
    return new ConfigError('FUOTA_DATA_DIR', `${dataDir} cannot be written${user} (${code})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
