import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { eventually } from '../support/eventually.js';
import { buildEspImage, prng } from '../support/esp-image-builder.js';
import type { HttpsTestClient } from '../support/https-client.js';
import type { SmallDisk } from '../support/small-disk.js';
import { mountSmallDisk } from '../support/small-disk.js';
import type { StartedProgram } from '../support/started-program.js';
import { programClient, programEnv, runProgram, startProgram } from '../support/started-program.js';
import { OWN_PID_NAMESPACE, pidNamespacesWork } from '../support/pid-namespace.js';
import { WriteLedger } from '../support/write-ledger.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The durability promise, shown the hard way: a server under a stream of writes is killed with
 * SIGKILL at random moments, its disk fills up and is freed, and a second server or an import is
 * pointed at its data dir; after each restart every write it had answered 200 is there, and no
 * write it refused is. Each test reports how many acknowledged writes were lost (must be 0).
 */
describe('e2e: kill -9, a full disk and a second server under a stream of writes', function () {
  let dir: string;
  let program: StartedProgram | undefined;
  let disk: SmallDisk | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-crash-'));
  });
  afterEach(async () => {
    await program?.stop('SIGKILL');
    program = undefined;
    await disk?.unmount();
    disk = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const environment = programEnv;
  async function start(dataDir: string): Promise<HttpsTestClient> {
    program = await startProgram(environment(dataDir));
    return programClient(program, dataDir);
  }
  async function kill(): Promise<void> {
    await program?.stop('SIGKILL');
    program = undefined;
  }
  function report(label: string, ledger: WriteLedger, lost: number): void {
    console.log(
      `      ${label}: ${ledger.acknowledgements} writes acknowledged, ${ledger.refusals} refused, ${lost} acknowledged writes lost`,
    );
  }

  it('keeps every acknowledged write across 5 random SIGKILLs', async function () {
    // Six starts of the program: a loaded machine (CI runs other work beside) needs more than 30 s.
    this.timeout(120_000);
    const dataDir = join(dir, 'data');
    const random = prng(424242);
    const ledger = new WriteLedger();
    let lost = 0;
    for (let round = 0; round <= 5; round += 1) {
      const client = await start(dataDir);
      lost += await ledger.verify(client, `round ${round}`);
      if (round === 5) break;
      const writers = ledger.writeRows(client, `r${round}`);
      // Killed once some writes were acknowledged (however slow the machine), at a random moment
      // after that: a kill before any write proves nothing.
      const before = ledger.acknowledgements;
      await eventually(() => ledger.acknowledgements >= before + 12, `round ${round}: 12 writes acknowledged`, 60_000);
      await pause(Math.floor(random() * 900));
      await kill();
      await writers.stop();
    }
    report('SIGKILL phase', ledger, lost);
    expect(ledger.acknowledgements).to.be.above(50);
    expect(lost).to.equal(0);
  });

  it('keeps every acknowledged write, and shows no refused one, when the disk fills up and is freed', async function () {
    disk = await mountSmallDisk(this, 8 * 1024 * 1024);
    const dataDir = join(disk.dir, 'data');
    const ledger = new WriteLedger();
    let client = await start(dataDir);
    const image = buildEspImage({ version: '1.0.0', segmentLengths: [150_000] });
    expect((await client.put('/files/fw.bin', image, 'application/octet-stream')).status).to.equal(200);

    const writers = ledger.writeRows(client, 'full');
    await pause(300);
    const freeSpace = await disk.fill();
    await pause(400);
    // An upload that does not fit is refused whole, and the stored version is still served.
    const refusedUpload = await client.put(
      '/files/fw.bin',
      buildEspImage({ version: '1.0.1', segmentLengths: [150_000] }),
      'application/octet-stream',
    );
    expect(refusedUpload.status, refusedUpload.text).to.equal(507);
    expect(JSON.parse(refusedUpload.text)).to.have.property('code', 'storage-full');
    expect(sha256((await client.get('/files/fw.bin')).body)).to.equal(sha256(image));
    expect(await ledger.visibleRefusals(client), 'refused writes shown while the disk is full').to.deep.equal([]);
    expect(await ledger.auditedRefusals(client), 'refused writes in the audit log').to.deep.equal([]);
    const refusalsWhileFull = ledger.refusals;
    const acknowledgedWhileFull = ledger.acknowledgements;
    await freeSpace();
    await pause(400);
    const acknowledgedOnceFreed = ledger.acknowledgements - acknowledgedWhileFull;
    await kill();
    await writers.stop();

    client = await start(dataDir);
    const lost = await ledger.verify(client, 'after the disk was full');
    expect(await ledger.auditedRefusals(client), 'refused writes in the audit log after a restart').to.deep.equal([]);
    expect(sha256((await client.get('/files/fw.bin')).body)).to.equal(sha256(image));
    report('disk-full phase', ledger, lost);
    expect(refusalsWhileFull, 'writes were refused while the disk was full').to.be.above(0);
    expect(acknowledgedOnceFreed, 'writes were acknowledged again once space was freed').to.be.above(0);
    expect(lost).to.equal(0);
  });

  it('keeps every acknowledged write when a second server is started on the same data dir from another PID namespace', async function () {
    this.timeout(60_000);
    if (!pidNamespacesWork()) {
      console.warn('      (skipped: unshare --pid needs root here)');
      this.skip();
    }
    const dataDir = join(dir, 'data');
    const ledger = new WriteLedger();
    let client = await start(dataDir);
    const writers = ledger.writeRows(client, 'second');
    await pause(300);
    // Same volume, another PID namespace: two containers on one volume. It must refuse and touch
    // nothing (import-seed.test.ts does the same for an import run beside the server).
    const second = await runProgram(environment(dataDir), ['serve'], OWN_PID_NAMESPACE);
    expect(second.code, second.output).to.not.equal(0);
    expect(second.output).to.match(/in use/);
    await pause(300);
    await kill();
    await writers.stop();

    client = await start(dataDir);
    const lost = await ledger.verify(client, 'after a second server');
    report('second-server phase', ledger, lost);
    expect(ledger.acknowledgements).to.be.above(10);
    expect(lost).to.equal(0);
  });
});
