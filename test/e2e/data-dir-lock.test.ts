import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HttpsTestClient } from '../support/https-client.js';
import { OWN_PID_NAMESPACE, pidNamespacesWork } from '../support/pid-namespace.js';
import type { StartedProgram } from '../support/started-program.js';
import { programClient, programEnv, runProgram, startProgram } from '../support/started-program.js';

/** The pid, in our namespace, of the program that `unshare` started (its only child). */
async function programInside(program: StartedProgram): Promise<number> {
  const children = await readFile(`/proc/${program.child.pid}/task/${program.child.pid}/children`, 'utf8');
  return Number(children.trim().split(' ')[0]);
}

/** Two servers, one data dir: the lock must hold where pids do not compare (containers on one volume). */
describe('e2e: the data-dir lock', () => {
  let dir: string;
  let started: StartedProgram[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-lock-e2e-'));
  });
  afterEach(async () => {
    await Promise.all(started.map((program) => program.stop('SIGKILL')));
    started = [];
    await rm(dir, { recursive: true, force: true });
  });

  const env = () => programEnv(join(dir, 'data'));
  async function start(wrapper: string[] = []): Promise<StartedProgram> {
    const program = await startProgram(env(), ['serve'], wrapper);
    started.push(program);
    return program;
  }
  async function client(program: StartedProgram): Promise<HttpsTestClient> {
    return programClient(program, join(dir, 'data'));
  }
  const putRows = (api: HttpsTestClient, from: number, to: number) =>
    Promise.all(
      Array.from({ length: to - from }, (_, i) =>
        api.put(`/devices/d${from + i}`, `"d${from + i}","1","a.bin"`, 'text/csv'),
      ),
    );

  it('refuses a second server in another PID namespace (both pid 1), and the first keeps serving and keeps its rows', async function () {
    if (!pidNamespacesWork()) {
      console.warn(
        '      (skipped: `unshare --pid --fork --mount-proc` does not work here; it needs root and util-linux)',
      );
      this.skip();
    }
    const first = await start(OWN_PID_NAMESPACE);
    const api = await client(first);
    expect((await putRows(api, 0, 20)).every((res) => res.status === 200)).to.equal(true);

    const second = await runProgram(env(), ['serve'], OWN_PID_NAMESPACE);
    expect(second.code, second.output).to.equal(1);
    expect(second.output).to.match(
      /in use by a fuota process in another PID namespace or on another host \(host \S+, pid 1, since .*heartbeat is \d+ s old/,
    );

    expect((await putRows(api, 20, 40)).every((res) => res.status === 200)).to.equal(true);
    expect((await api.get('/devices')).text.trim().split('\n')).to.have.length(40);
    process.kill(await programInside(first), 'SIGTERM');
    expect(await first.stop()).to.equal(0);

    const after = await start();
    expect((await (await client(after)).get('/devices')).text.trim().split('\n')).to.have.length(40);
  });

  it('refuses a write (500, never 200) and stops once another process folded its journal away, before its heartbeat notices', async () => {
    const program = await start();
    const api = await client(program);
    expect((await putRows(api, 0, 1))[0]!.status).to.equal(200);
    // What a server that took the data dir over does first: fold the journal and remove its segments.
    for (const name of await readdir(join(dir, 'data'))) {
      if (name.startsWith('devices.db.journal.')) await rm(join(dir, 'data', name));
    }
    const [refused] = await putRows(api, 1, 2);
    expect(refused!.status).to.equal(500);
    expect(await program.stop('SIGCONT')).to.equal(1);
    expect(program.output()).to.match(
      /fuota: lost the lock on \S+: another process removed the journal segment \S+ this process appends to .*; stopping at once without writing anything more\n/,
    );
  });

  it('stops at once, with a clear error, when its lock is taken from it while it serves', async () => {
    const program = await start();
    await rm(join(dir, 'data', '.lock'), { recursive: true });
    // SIGCONT does nothing to a running process: this only waits for it to exit by itself.
    expect(await program.stop('SIGCONT')).to.equal(1);
    expect(program.output()).to.match(
      /fuota: lost the lock on \S+: .*; stopping at once without writing anything more\n/,
    );
  });
});
