import { expect } from 'chai';
import type { CliBench } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import { release, sha256 } from '../support/delta-images.js';

interface PatchJson {
  id: string;
  basePath: string | null;
  targetPath: string | null;
  size: number;
  ratio: number;
}

/** `fuota delta ls|make|rm` against a real server, text and --json, with their exit statuses. */
describe('e2e: the fuota CLI, delta patches', () => {
  let bench: CliBench;
  const fuota = (args: string[]) => bench.fuota(args);
  const v1 = release('1.0.0');
  const v2 = release('2.0.0');
  const rebuilt = release('3.0.0', { seed: 99 });

  before(async () => {
    bench = await startCliBench({ 'v1.bin': v1, 'v2.bin': v2, 'rebuilt.bin': rebuilt, 'notes.txt': Buffer.from('hi') });
    for (const [file, as] of [
      ['v1.bin', 'lamp/v1.bin'],
      ['v2.bin', 'lamp/v2.bin'],
      ['rebuilt.bin', 'lamp/rebuilt.bin'],
    ]) {
      const uploaded = await fuota(['upload', file ?? '', '--as', as ?? '']);
      expect(uploaded.code, uploaded.stderr).to.equal(0);
    }
    await bench.t.server.deltas.settled();
  });
  after(() => bench?.stop());

  it('ls lists the patches made on upload, as a table and as JSON', async () => {
    const text = await fuota(['delta', 'ls']);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/^TARGET\s+FROM\s+SIZE\s+OF TARGET\s+OFFERED\s+STORED\s+ID$/m);
    expect(text.stdout).to.match(/^lamp\/v2\.bin\s+lamp\/v1\.bin \(1\.0\.0\)\s+\S+ \S+\s+[\d.]+%\s+yes\s/m);
    expect(text.stdout).to.include(`lamp/v2.bin  lamp/v1.bin (1.0.0)`);
    const json = await fuota(['--json', 'delta', 'ls']);
    expect(json.code).to.equal(0);
    const listing = JSON.parse(json.stdout) as { patches: PatchJson[]; builds: Array<{ state: string }> };
    // v2 from v1; rebuilt (another build: not smaller) from v1 and v2 were tried on its upload.
    expect(listing.patches.map((patch) => [patch.basePath, patch.targetPath])).to.deep.equal([
      ['lamp/v1.bin', 'lamp/v2.bin'],
    ]);
    expect(listing.builds.map((build) => build.state)).to.deep.equal(['not-smaller', 'not-smaller']);
  });

  it('make stores a patch (exit 0), says why it does not (exit 5), and 4 for an unknown file', async () => {
    const made = await fuota(['--json', 'delta', 'make', 'lamp/v2.bin', 'lamp/v1.bin']);
    expect(made.code, made.stderr).to.equal(0);
    const patch = JSON.parse(made.stdout) as PatchJson;
    expect(patch.id).to.equal(`${sha256(v1)}.${sha256(v2)}.edo1-hs8-7`);
    expect(patch.ratio).to.be.below(0.8);
    const text = await fuota(['delta', 'make', 'lamp/v2.bin', 'lamp/v1.bin']);
    expect(text.stdout).to.include(`stored patch ${patch.id}\n  lamp/v2.bin -> lamp/v1.bin: `);

    const notSmaller = await fuota(['delta', 'make', 'lamp/v1.bin', 'lamp/rebuilt.bin']);
    expect(notSmaller.code).to.equal(5);
    expect(notSmaller.stderr).to.include('not kept (FUOTA_DELTA_MAX_RATIO=0.8)');
    const unknown = await fuota(['--json', 'delta', 'make', 'lamp/v1.bin', 'lamp/none.bin']);
    expect(unknown.code).to.equal(4);
    expect(JSON.parse(unknown.stdout)).to.have.nested.property('problem.code', 'file-not-found');
  });

  it('rm removes a patch (exit 0), and a second time it is not found (exit 4)', async () => {
    const listing = JSON.parse((await fuota(['--json', 'delta', 'ls'])).stdout) as { patches: PatchJson[] };
    const id = listing.patches[0]?.id ?? '';
    const removed = await fuota(['--json', 'delta', 'rm', id]);
    expect(removed.code, removed.stderr).to.equal(0);
    expect(JSON.parse(removed.stdout)).to.deep.equal({ removed: id });
    const again = await fuota(['delta', 'rm', id]);
    expect(again.code).to.equal(4);
    expect(again.stderr).to.include(`no delta patch ${id}`);
    const left = JSON.parse((await fuota(['--json', 'delta', 'ls'])).stdout) as { patches: PatchJson[] };
    expect(left.patches.map((patch) => patch.id)).to.not.include(id);
  });
});
