import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/*
 * A PostgreSQL server of the test's own, for tests that stop and start it (an outage while fuota
 * serves): the shared cluster of the other suites must keep running. Debian's binaries, a fresh
 * cluster in a temporary directory (initdb), reachable only on a Unix socket in that directory,
 * trusting the OS user running the tests as its superuser. PostgreSQL refuses to run as root, so
 * when the tests run as root (CI) the cluster runs as the `postgres` user.
 */

const POSTGRES_LIB = '/usr/lib/postgresql';

/** The newest installed server's bin directory, or undefined. */
function binDirectory(): string | undefined {
  if (!existsSync(POSTGRES_LIB)) return undefined;
  const versions = readdirSync(POSTGRES_LIB)
    .filter((name) => existsSync(join(POSTGRES_LIB, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(POSTGRES_LIB, versions[0], 'bin');
}

export interface PrivatePostgres {
  /** A URL of the database `fuota` on this server, as the OS user. */
  readonly url: string;
  start(): Promise<void>;
  /** Stops at once ("fast": open connections are cut, as in a crash or a failover). */
  stop(): Promise<void>;
  /**
   * Freezes the server and every backend (SIGSTOP): connections stay open and nothing answers,
   * as when its host hangs or the network drops packets without closing anything.
   */
  freeze(): Promise<void>;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): Promise<void>;
  /** Stops and removes the cluster. */
  remove(): Promise<void>;
}

/** Why a private server cannot be made here, or undefined when it can. */
export function whyNoPrivatePostgres(): string | undefined {
  if (binDirectory() === undefined) return `no PostgreSQL server binaries under ${POSTGRES_LIB}`;
  if (userInfo().uid === 0 && !existsSync('/usr/sbin/runuser')) return 'running as root without runuser';
  return undefined;
}

/** Creates, starts and opens a private cluster with an empty database `fuota`. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDirectory();
  if (bin === undefined) throw new Error(whyNoPrivatePostgres());
  const directory = await mkdtemp(join(tmpdir(), 'fuota-pg-'));
  const data = join(directory, 'data');
  const superuser = userInfo().username;
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(directory, Number(stdout.trim()), Number(group.trim()));
  }
  /** Runs a server binary as the cluster's owner. */
  const server = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const options = `-k ${directory} -c listen_addresses='' -c fsync=off -c full_page_writes=off`;
  const pgCtl = (action: string, extra: string[] = []) =>
    server('pg_ctl', ['-D', data, '-l', join(directory, 'log'), '-w', '-t', '30', ...extra, action]);
  await server('initdb', ['-D', data, '-A', 'trust', '-U', superuser, '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  await pgCtl('start', ['-o', options]);
  const url = `postgresql://${encodeURIComponent(superuser)}@${encodeURIComponent(directory)}/fuota`;
  await run(join(bin, 'createdb'), ['-h', directory, '-U', superuser, 'fuota']);
  let running = true;
  /** The postmaster and its children (the backends), as `kill` arguments. */
  const processes = async (): Promise<string[]> => {
    const postmaster = (await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]?.trim() ?? '';
    const { stdout } = await run('pgrep', ['-P', postmaster]).catch(() => ({ stdout: '' }));
    return [postmaster, ...stdout.split('\n').filter((pid) => pid.trim() !== '')];
  };
  let frozen = false;
  return {
    url,
    freeze: async () => {
      await run('kill', ['-STOP', ...(await processes())]);
      frozen = true;
    },
    thaw: async () => {
      await run('kill', ['-CONT', ...(await processes())]);
      frozen = false;
    },
    start: async () => {
      if (running) return;
      await pgCtl('start', ['-o', options]);
      running = true;
    },
    stop: async () => {
      if (!running) return;
      await pgCtl('stop', ['-m', 'fast']);
      running = false;
    },
    remove: async () => {
      if (frozen) await run('kill', ['-CONT', ...(await processes())]).catch(() => undefined);
      if (running) await pgCtl('stop', ['-m', 'immediate']).catch(() => undefined);
      running = false;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
