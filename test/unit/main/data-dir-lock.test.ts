import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DataDirLockOptions } from '../../../src/main/bootstrap/data-dir-lock.js';
import { DataDirInUse, DataDirLock } from '../../../src/main/bootstrap/data-dir-lock.js';
import type { LockOwner, ProcessProbe } from '../../../src/main/bootstrap/lock-owner.js';
import { currentOwner, processStartTime, procProbe } from '../../../src/main/bootstrap/lock-owner.js';
import { ConfigError } from '../../../src/main/config/config-error.js';
import { RecordingLogger } from '../../support/test-server.js';

// The shortest lease proper-lockfile allows: a stale lock is still judged by its mtime, which the
// tests forge, so nothing here waits on the clock except the one "wait until stale" case.
const SHORT = { staleMs: 4_000, heartbeatMs: 1_000 };
const never = () => {
  throw new Error('the lock was reported lost');
};

describe('DataDirLock', () => {
  let dir: string;
  const held: DataDirLock[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-lock-'));
  });
  afterEach(async () => {
    await Promise.all(held.splice(0).map((lock) => lock.release()));
    await rm(dir, { recursive: true, force: true });
  });

  type AcquireOptions = Partial<Omit<DataDirLockOptions, 'staleMs' | 'heartbeatMs'>>;
  async function acquire(options: AcquireOptions = {}): Promise<DataDirLock> {
    const lock = await DataDirLock.acquire(dir, { ...SHORT, onLost: never, ...options });
    held.push(lock);
    return lock;
  }

  /** An acquisition's outcome: the lock, or what it was refused with. */
  const settle = (acquiring: Promise<DataDirLock>) =>
    acquiring.then(
      (lock) => ({ lock }),
      (error: unknown) => ({ error }),
    );

  /** A lock as another process would have left it: its owner record, and a heartbeat `ageMs` old. */
  async function forgeLock(owner: Partial<LockOwner>, ageMs: number, name = '.lock'): Promise<void> {
    const record = { ...(await currentOwner()), token: 'forged', since: 'earlier', ...owner };
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'owner.json'), JSON.stringify(record));
    const mtime = new Date(Date.now() - ageMs);
    await utimes(join(dir, name), mtime, mtime);
  }

  const ownerToken = async () =>
    (JSON.parse(await readFile(join(dir, '.lock', 'owner.json'), 'utf8')) as LockOwner).token;

  it('refuses a second holder while the first holds it, and can be taken again once released', async () => {
    const first = await acquire();
    const refused = await acquire().catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(DataDirInUse);
    expect((refused as Error).message).to.match(
      new RegExp(`in use by another fuota process \\(host \\S+, pid ${process.pid}, `),
    );
    await first.release();
    await stat(join(dir, '.lock')).then(
      () => expect.fail('the lock is still there'),
      () => undefined,
    );
    await acquire();
  });

  it('takes over at once a lock whose owner, in our namespace, no longer runs (SIGKILLed)', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    await once(child, 'spawn');
    const startTime = await processStartTime(child.pid!);
    child.kill('SIGKILL');
    await once(child, 'exit');
    await forgeLock({ pid: child.pid!, startTime }, 0);
    const logger = new RecordingLogger();
    await acquire({ logger });
    expect(await ownerToken()).to.not.equal('forged');
    expect(logger.lines.join('\n')).to.include('its owner no longer runs').and.not.include('waiting');
  });

  it('takes over at once a lock whose owner is a zombie (killed, not yet reaped by its parent)', async () => {
    // The background child exits while its parent, having exec'd into sleep, never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30']);
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const pid = Number(line.toString().trim());
      const startTime = await processStartTime(pid);
      expect(startTime, 'the owner runs at first').to.be.a('string');
      while (!(await readFile(`/proc/${pid}/stat`, 'utf8')).includes(') Z '))
        await new Promise((resolve) => setTimeout(resolve, 20));
      await forgeLock({ pid, startTime }, 0);
      await acquire();
      expect(await ownerToken()).to.not.equal('forged');
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over a lock naming a live process that is not its owner (a reused pid: another start time)', async () => {
    await forgeLock({ pid: process.ppid, startTime: '1' }, 0);
    await acquire();
    expect(await ownerToken()).to.not.equal('forged');
  });

  it('refuses a lock whose owner process, in our namespace, still runs', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await once(child, 'spawn');
      // Its heartbeat long stopped: the live owner still wins, as it can be seen to run.
      await forgeLock({ pid: child.pid!, startTime: await processStartTime(child.pid!) }, 60_000);
      const refused = await acquire().catch((error: unknown) => error);
      expect(refused).to.be.instanceOf(DataDirInUse);
      expect((refused as Error).message).to.include(`pid ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses at once a lock held elsewhere (another host or PID namespace) whose heartbeat is fresh', async () => {
    for (const elsewhere of [
      { host: 'other-host', pid: 1 },
      { pidNamespace: 'pid:[1]', pid: 1 },
    ]) {
      await forgeLock(elsewhere, 0);
      const refused = await acquire().catch((error: unknown) => error);
      expect(refused).to.be.instanceOf(DataDirInUse);
      expect((refused as Error).message).to.include(`(host ${elsewhere.host ?? (await currentOwner()).host}, pid 1, `);
      // Not "stop it first" alone: a crashed container's lock is taken over once it is stale.
      expect((refused as Error).message)
        .to.include('another PID namespace or on another host')
        .and.include('taken over once the heartbeat is 4 s old');
      expect(await ownerToken()).to.equal('forged');
      await rm(join(dir, '.lock'), { recursive: true });
    }
  });

  it('takes over a lock held elsewhere once its heartbeat is older than the stale time, at once', async () => {
    await forgeLock({ host: 'other-host' }, SHORT.staleMs + 1_000);
    const logger = new RecordingLogger();
    await acquire({ logger });
    expect(await ownerToken()).to.not.equal('forged');
    expect(logger.lines.join('\n')).to.include('took over').and.not.include('waiting');
  });

  it('waits, saying so, for a lock held elsewhere whose heartbeat stopped, and takes it only when stale', async () => {
    await forgeLock({ host: 'other-host' }, SHORT.heartbeatMs * 3 + 500);
    const logger = new RecordingLogger();
    await acquire({ logger });
    expect(await ownerToken()).to.not.equal('forged');
    const lines = logger.lines.join('\n');
    expect(lines).to.match(/waiting until it is stale[^\n]*"owner":"host other-host, pid \d+/);
    expect(lines.indexOf('waiting')).to.be.below(lines.indexOf('took over'));
    expect(lines).to.match(/took over[^\n]*its heartbeat stopped/);
  });

  it("reports a lock taken by another process as lost, and does not remove that process's lock on release", async () => {
    let lost: (error: Error) => void = () => {};
    const reported = new Promise<Error>((resolve) => (lost = resolve));
    const lock = await acquire({ onLost: (error) => lost(error) });
    // Another process decided it was abandoned and took it over.
    await rm(join(dir, '.lock'), { recursive: true });
    await forgeLock({ host: 'other-host' }, 0);
    expect((await reported).message).to.match(/^lost the lock on .*another process may be using it$/);
    await lock.release();
    expect(await ownerToken()).to.equal('forged');
  });

  it('never removes a lock on release that is no longer its own, even before the loss is noticed', async () => {
    const lock = await DataDirLock.acquire(dir, { staleMs: 60_000, heartbeatMs: 30_000, onLost: () => {} });
    await writeFile(join(dir, '.lock', 'owner.json'), JSON.stringify({ ...(await currentOwner()), token: 'forged' }));
    await lock.release();
    expect(await ownerToken()).to.equal('forged');
  });

  it('lets one of two acquirers that both judge a lock abandoned take it, never both (the slower one is refused)', async () => {
    // C crashed on another host; A and B start together. B has judged C's lock abandoned and is
    // about to remove it when A starts: A must not take it over meanwhile, nor B remove A's.
    await forgeLock({ host: 'other-host' }, SHORT.staleMs + 1_000);
    let a: Promise<{ lock: DataDirLock } | { error: unknown }> | undefined;
    let aBusy: () => void = () => {};
    const aWaits = new Promise<void>((resolve) => (aBusy = resolve));
    const b = settle(
      acquire({
        onStep: async (step) => {
          if (step !== 'judged-take' || a !== undefined) return;
          a = settle(acquire({ onStep: (aStep) => (aStep === 'takeover-busy' ? aBusy() : undefined) }));
          await Promise.race([a, aWaits]);
        },
      }),
    );
    const outcomes = [await b, await a!];
    const holders = outcomes.flatMap((outcome) => ('lock' in outcome ? [outcome.lock] : []));
    expect(holders, 'exactly one holds the lock').to.have.length(1);
    expect(await ownerToken()).to.equal(holders[0]!.token);
    const refused = outcomes.find((outcome) => 'error' in outcome) as { error: unknown };
    expect(refused.error).to.be.instanceOf(DataDirInUse);
  });

  it('puts back, never deletes, a lock that replaced the one it judged abandoned before it could remove it', async () => {
    await forgeLock({ host: 'other-host' }, SHORT.staleMs + 1_000);
    const refused = await acquire({
      onStep: async (step) => {
        if (step !== 'judged-take') return;
        // Meanwhile the abandoned lock went and another server made its own (not via a takeover).
        await rm(join(dir, '.lock'), { recursive: true });
        await forgeLock({ host: 'other-host', token: 'newer' }, 0);
      },
    }).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(DataDirInUse);
    expect(await ownerToken()).to.equal('newer');
    expect((await readdir(dir)).filter((name) => name.startsWith('.lock.removed-'))).to.deep.equal([]);
  });

  it('says a lock it may not remove (another user left it: a run as root) as the data dir that cannot be written', async () => {
    // Found by a new user: a bare "EACCES: permission denied, unlink '.../owner.json'", exit 1.
    await forgeLock({ host: 'other-host' }, SHORT.staleMs + 1_000);
    const refused = await acquire({
      onStep: async (step) => {
        if (step !== 'judged-take') return;
        throw Object.assign(new Error("EACCES: permission denied, unlink '.lock/owner.json'"), { code: 'EACCES' });
      },
    }).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(ConfigError);
    expect((refused as Error).message)
      .to.include('FUOTA_DATA_DIR')
      .and.include('cannot be written')
      .and.include('EACCES');
  });

  it('takes over past a takeover lock that a crashed acquirer left behind, once that is stale too', async () => {
    await forgeLock({ host: 'other-host' }, SHORT.staleMs + 1_000);
    await mkdir(join(dir, '.lock.takeover'));
    const old = new Date(Date.now() - SHORT.staleMs - 1_000);
    await utimes(join(dir, '.lock.takeover'), old, old);
    await acquire();
    expect(await ownerToken()).to.not.equal('forged');
  });

  describe('with /proc hiding the owner (hidepid=2: its stat cannot be read)', () => {
    const hidden = (exists: boolean): ProcessProbe => ({ readStat: async () => undefined, exists: () => exists });

    it('refuses a lock whose owner pid exists (kill(pid, 0) says so) while its heartbeat is fresh', async () => {
      await forgeLock({ pid: 4_000_000 }, 0);
      const refused = await acquire({ probe: hidden(true) }).catch((error: unknown) => error);
      expect(refused).to.be.instanceOf(DataDirInUse);
      expect((refused as Error).message)
        .to.include('that /proc does not show us')
        .and.include('taken over once the heartbeat is 4 s old');
      expect(await ownerToken()).to.equal('forged');
    });

    it('takes it over once its heartbeat is stale, and at once when no process has that pid', async () => {
      await forgeLock({ pid: 4_000_000 }, SHORT.staleMs + 1_000);
      await (await acquire({ probe: hidden(true) })).release();
      await forgeLock({ pid: 4_000_000 }, 0);
      await acquire({ probe: hidden(false) });
      expect(await ownerToken()).to.not.equal('forged');
    });

    it("asks the kernel by kill(pid, 0): EPERM (another user's process) means alive, ESRCH gone", () => {
      expect(procProbe.exists(process.pid)).to.equal(true);
      if (process.getuid?.() !== 0) expect(procProbe.exists(1), "pid 1 is root's: EPERM").to.equal(true);
      expect(procProbe.exists(4_000_000)).to.equal(false);
    });
  });

  it('removes, when it starts, locks a crash left renamed aside for removal, but not one that may be on its way back', async () => {
    await forgeLock({ host: 'other-host' }, SHORT.staleMs + 1_000, '.lock.removed-0123456789ab');
    await forgeLock({ host: 'other-host' }, 0, '.lock.removed-ba9876543210');
    await acquire();
    expect((await readdir(dir)).filter((name) => name.startsWith('.lock.removed-'))).to.deep.equal([
      '.lock.removed-ba9876543210',
    ]);
  });

  it('replaces the pid file an earlier version called .lock', async () => {
    await writeFile(join(dir, '.lock'), '1\n');
    await acquire();
    expect((await stat(join(dir, '.lock'))).isDirectory()).to.equal(true);
  });

  it('says in one line which FUOTA_DATA_DIR problem stops it: a file, a path it cannot create (ending, not looping)', async () => {
    await writeFile(join(dir, 'file'), 'x');
    for (const [path, problem] of [
      [join(dir, 'file'), /is a file, not a directory/],
      [join(dir, 'file', 'below'), /a part of the path is a file/],
      ['/proc/1/nope', /cannot create \/proc\/1\/nope/],
    ] as const) {
      const error = await DataDirLock.acquire(path, { onLost: never }).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).message)
        .to.match(/^FUOTA_DATA_DIR: /)
        .and.match(problem);
    }
  });
});
