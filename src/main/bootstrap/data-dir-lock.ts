import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { lstat, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import type { Logger } from '../../ports/logger.port.js';
import { ConfigError } from '../config/config-error.js';
import { ensureDataDir } from './ensure-data-dir.js';
import type { LockOwner, ProcessProbe } from './lock-owner.js';
import { currentOwner, describeOwner, isVisibleFrom, ownerLiveness, procProbe, readOwner } from './lock-owner.js';

/** The lock directory in the data dir, and the owner record inside it. */
const LOCK_NAME = '.lock';
const OWNER_FILE = 'owner.json';
/** Where a lock being removed is renamed first (see removeIfOwnedBy); a crash may leave one. */
const REMOVED_PREFIX = `${LOCK_NAME}.removed-`;

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
  /** How other processes are looked at (tests inject one that cannot read /proc). */
  readonly probe?: ProcessProbe;
  /**
   * Called at the steps where two acquirers can interleave: `judged-take` (holding the takeover
   * lock, about to remove the lock judged abandoned) and `takeover-busy` (another acquirer holds
   * the takeover lock). For tests that reproduce races; does nothing otherwise.
   */
  readonly onStep?: (step: 'judged-take' | 'takeover-busy') => Promise<void> | void;
}

/** Why an owner's pid cannot settle whether it is alive, so that its heartbeat has to. */
type Unseen = { heartbeatAgeMs: number; staleMs: number; why: 'elsewhere' | 'hidden' };

/** Another live process holds the data dir: the program stops with exit code 1. */
export class DataDirInUse extends Error {
  /** `unseen` is given for an owner whose process we cannot check (see Unseen). */
  constructor(dataDir: string, owner: LockOwner, unseen?: Unseen) {
    super(
      unseen === undefined
        ? `${dataDir} is in use by another fuota process (${describeOwner(owner)}); stop it first`
        : `${dataDir} is in use by a fuota process ${
            unseen.why === 'elsewhere'
              ? `in another PID namespace or on another host (${describeOwner(owner)}; its pid means nothing here)`
              : `that /proc does not show us (${describeOwner(owner)}; another user's, with /proc mounted hidepid)`
          }, whose heartbeat is ` +
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
 *
 * Taking over is serialised by a second lock, `.lock.takeover` (itself a lease, so a taker that
 * crashes holding it does not block the others for good): the abandoned lock is judged again and
 * removed while it is held, and it is removed only if it still carries the owner record judged.
 * Two servers starting together after a crash could otherwise both decide to take it, and the
 * slower one remove the lock the faster one had just made.
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
    const judging: Judging = { directory, us, staleMs, heartbeatMs, probe: options.probe ?? procProbe };
    await sweepRemovedLocks(dataDir, staleMs);
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
        // ENOTEMPTY: the library found the lock stale and could not remove it (see fsWritingOwner).
        // Stale locks are judged and removed below, by owner, never blindly.
        if (code !== 'ELOCKED' && code !== 'ENOTEMPTY') throw unwritable(dataDir, error);
      }
      let verdict: Verdict;
      try {
        verdict = await judge(judging);
        if (verdict.kind === 'take') verdict = await takeOver(judging, options);
      } catch (error) {
        // A lock this user may not remove (left by a server run as root in a service user's data
        // dir): the data dir's problem, said as a configuration error, not a bare EACCES.
        const code = (error as NodeJS.ErrnoException).code;
        throw code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? unwritable(dataDir, error) : error;
      }
      if (verdict.kind === 'refuse') throw new DataDirInUse(dataDir, verdict.owner, verdict.unseen);
      if (verdict.kind === 'busy') {
        await options.onStep?.('takeover-busy');
        await sleep(50);
      }
      if (verdict.kind === 'wait') {
        if (!waitingSaid) {
          waitingSaid = true;
          options.logger?.warn("the data dir lock's heartbeat stopped; waiting until it is stale to take it over", {
            owner: verdict.owner === undefined ? 'unknown' : describeOwner(verdict.owner),
            staleInSeconds: Math.ceil(verdict.staleInMs / 1000),
          });
        }
        await sleep(Math.max(50, Math.min(heartbeatMs, verdict.staleInMs + 10)));
      }
    }
  }

  /** This acquisition's token, as its owner record says (to tell two holders apart in tests). */
  get token(): string {
    return this.owner.token;
  }

  /** Removes the lock, only if it is still ours (never another process's lock). Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    // Stops the heartbeat. The library also tries to rmdir the lock, which the owner record inside
    // makes fail: removal is done below, and only if the record is still ours.
    await this.stopHeartbeat?.().catch(() => {});
    // Read first: a lock that is not ours is not even moved for a moment.
    if (this.lost || (await readOwner(join(this.directory, OWNER_FILE)))?.token !== this.owner.token) return;
    await removeIfOwnedBy(this.directory, this.owner.token);
  }

  /**
   * Reports the lock lost when the loss shows elsewhere first: the database journal taken over by
   * another process is seen at the next write, the heartbeat only up to heartbeatMs later.
   */
  reportLost(error: Error): void {
    this.lose(error);
  }

  private lose(error: Error): void {
    if (this.released || this.lost) return;
    this.lost = true;
    this.onLost(new Error(`lost the lock on ${this.dataDir}: ${error.message}; another process may be using it`));
  }
}

type Verdict =
  | { kind: 'refuse'; owner: LockOwner; unseen?: Unseen }
  | { kind: 'take'; owner: LockOwner | undefined; reason: string }
  | { kind: 'wait'; owner: LockOwner | undefined; staleInMs: number }
  | { kind: 'busy' } // another acquirer is taking over: look again shortly
  | { kind: 'again' };

/** What judging a lock needs to know. */
interface Judging {
  readonly directory: string;
  readonly us: LockOwner;
  readonly staleMs: number;
  readonly heartbeatMs: number;
  readonly probe: ProcessProbe;
}

/** What to do about a lock someone else holds. */
async function judge({ directory, us, staleMs, heartbeatMs, probe }: Judging): Promise<Verdict> {
  const found = await stat(directory).catch(() => undefined);
  if (found === undefined) return { kind: 'again' }; // released meanwhile
  const owner = await readOwner(join(directory, OWNER_FILE));
  let why: Unseen['why'] = 'elsewhere';
  if (owner !== undefined && isVisibleFrom(owner, us)) {
    const liveness = await ownerLiveness(owner, probe);
    if (liveness === 'running') return { kind: 'refuse', owner };
    if (liveness === 'gone') return { kind: 'take', owner, reason: 'its owner no longer runs' };
    // Its pid runs, but /proc hides who it is (hidepid): judged by its heartbeat, as one elsewhere.
    why = 'hidden';
  }
  const age = Date.now() - found.mtimeMs;
  if (age > staleMs) return { kind: 'take', owner, reason: `its heartbeat stopped ${Math.round(age / 1000)} s ago` };
  // A few missed beats are a busy machine; more mean the owner stopped (or the lock is being made).
  if (owner !== undefined && age <= heartbeatMs * 3)
    return { kind: 'refuse', owner, unseen: { heartbeatAgeMs: age, staleMs, why } };
  return { kind: 'wait', owner, staleInMs: staleMs - age };
}

/**
 * Removes the lock judged abandoned, holding the takeover lock: judged again there (another taker
 * may have replaced it since), and removed only if it still carries the owner record judged.
 */
async function takeOver(judging: Judging, options: DataDirLockOptions): Promise<Verdict> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(`${judging.directory}.takeover`, {
      lockfilePath: `${judging.directory}.takeover`,
      realpath: false,
      stale: judging.staleMs,
      update: judging.heartbeatMs,
      // Lost while held: we were frozen for longer than the stale time. The owner-record check
      // below still keeps us from removing a lock we did not judge.
      onCompromised: () => {},
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return { kind: 'busy' };
    throw error;
  }
  try {
    const verdict = await judge(judging);
    if (verdict.kind !== 'take') return verdict;
    await options.onStep?.('judged-take');
    if (await removeIfOwnedBy(judging.directory, verdict.owner?.token)) {
      options.logger?.warn('took over the data dir lock', {
        reason: verdict.reason,
        ...(verdict.owner === undefined ? {} : { owner: describeOwner(verdict.owner) }),
      });
    }
    return { kind: 'again' };
  } finally {
    await release().catch(() => {});
  }
}

/**
 * Removes the lock if its owner record carries `token` (undefined: has none). It is first renamed
 * away, atomically, and checked there: a lock that is not the one judged (another process made it
 * in between) is renamed back, never deleted. Should a third process have made a lock in the
 * moment between (its owner record then finds ours there, see fsWritingOwner, or the rename back
 * fails), the process whose lock was moved sees it gone at its next heartbeat and stops, and its
 * journal check stops it sooner (see WriteAheadJournal).
 */
async function removeIfOwnedBy(directory: string, token: string | undefined): Promise<boolean> {
  const aside = `${directory}.removed-${randomBytes(6).toString('hex')}`;
  try {
    await rename(directory, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = await readOwner(join(aside, OWNER_FILE));
  if (moved?.token === token) {
    await rm(aside, { recursive: true, force: true });
    return true;
  }
  await rename(aside, directory).catch(() => rm(aside, { recursive: true, force: true }));
  return false;
}

/**
 * Removes locks that a crash left renamed aside for removal. One whose heartbeat is fresh may be
 * on its way back (see removeIfOwnedBy), so only those older than the stale time go.
 */
async function sweepRemovedLocks(dataDir: string, staleMs: number): Promise<void> {
  for (const name of await readdir(dataDir).catch(() => [] as string[])) {
    if (!name.startsWith(REMOVED_PREFIX)) continue;
    const found = await stat(join(dataDir, name)).catch(() => undefined);
    if (found !== undefined && Date.now() - found.mtimeMs > staleMs)
      await rm(join(dataDir, name), { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The file system the library uses, except that:
 * - making the lock directory also writes our owner record into it, before the library first
 *   stamps its heartbeat: a lock is never seen fresh without an owner for longer than that write,
 *   and the stamp comes after the record (writing it later would change the directory's mtime,
 *   which the library would take for a lost lock). The record is created exclusively: one already
 *   there is a lock put back over our new, empty directory (see removeIfOwnedBy), and is left be;
 * - it never removes a lock directory: the library would remove a stale one without looking who
 *   owns it, and outside the takeover lock. Stale locks are judged and removed by acquire.
 */
function fsWritingOwner(us: LockOwner): typeof fs {
  return {
    ...fs,
    mkdir: ((path: string, callback: (error: NodeJS.ErrnoException | null) => void) => {
      fs.mkdir(path, (error) => {
        if (error !== null) return callback(error);
        writeFile(join(path, OWNER_FILE), `${JSON.stringify(us)}\n`, { mode: 0o644, flag: 'wx' }).then(
          () => callback(null),
          (writeError: NodeJS.ErrnoException) => {
            if (writeError.code === 'EEXIST') return callback(writeError);
            void rm(path, { recursive: true, force: true }).finally(() => callback(writeError));
          },
        );
      });
    }) as typeof fs.mkdir,
    rmdir: ((path: string, callback: (error: NodeJS.ErrnoException | null) => void) => {
      callback(
        Object.assign(new Error(`ENOTEMPTY: the lock ${path} is removed by its owner or a takeover only`), {
          code: 'ENOTEMPTY',
        }),
      );
    }) as typeof fs.rmdir,
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
