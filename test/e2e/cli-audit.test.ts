import { expect } from 'chai';
import type { AuditPageJson } from '../../src/cli/audit-api.js';
import type { CliBench } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const A = '24:0A:C4:00:00:01';

/** `fuota audit` against a real server, after changes made with the CLI itself. */
describe('e2e: the fuota CLI, audit log', () => {
  let bench: CliBench;
  const image = buildEspImage({ version: 'v2.0.0', projectName: 'lamp', chip: 'esp32s3' });
  const fuota = (args: string[]) => bench.fuota(args);
  const json = async (args: string[]) => {
    const result = await fuota(['--json', ...args]);
    expect(result.code, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as AuditPageJson;
  };

  before(async () => {
    bench = await startCliBench({ 'lamp.bin': image });
    for (const args of [
      ['upload', 'lamp.bin', '--as', 'lamp/v2.0.0.bin'],
      ['assign', A, '--from', 'v1.9.0', '--file', 'lamp/v2.0.0.bin'],
    ]) {
      const result = await fuota(args);
      expect(result.code, result.stderr).to.equal(0);
    }
    const check = await bench.t.client.send(`/devices/${A}?app_ver=v1.9.0`, { auth: TEST_DEVICE_CREDENTIAL });
    expect(check.status).to.equal(200);
    for (const args of [
      ['tag', A, '--add', 'north'],
      ['hold', A],
      ['note', A, 'replaced', 'the', 'relay'],
      ['unassign', A],
      ['rm', 'lamp/v2.0.0.bin'],
    ]) {
      const result = await fuota(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0);
    }
  });
  after(() => bench.stop());

  it('lists every change the CLI made, oldest first, one a line, with who and from where', async () => {
    const text = await fuota(['audit']);
    expect(text.code, text.stderr).to.equal(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^SEQ\s+TIME\s+ACTOR\s+ADDRESS\s+ACTION\s+TARGET\s+DETAIL$/);
    expect(lines).to.have.length(8);
    const columns = lines.slice(1).map((line) => line.split(/\s{2,}/));
    expect(columns.map((cells) => cells[4])).to.deep.equal([
      'file.put',
      'device-row.put',
      'device.tags',
      'device.patch',
      'device.patch',
      'device-row.delete',
      'file.delete',
    ]);
    for (const cells of columns) {
      expect(cells[1]).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(cells.slice(2, 4)).to.deep.equal([TEST_CREDENTIAL.username, '127.0.0.1']);
    }
    expect(lines[2]).to.match(/device-row\.put\s+24:0A:C4:00:00:01\s+appVersion=v1\.9\.0 file=lamp\/v2\.0\.0\.bin$/);
    expect(lines[5]).to.match(/note="replaced the relay"$/);
  });

  it('--json prints the API answer; --after and --limit page through it', async () => {
    const all = await json(['audit']);
    expect(all.items.map((record) => record.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    expect(all.next).to.equal(7);
    expect(all.items[0]).to.deep.include({
      actor: TEST_CREDENTIAL.username,
      action: 'file.put',
      target: 'lamp/v2.0.0.bin',
    });
    const page = await json(['audit', '--after', '2', '--limit', '3']);
    expect(page.items.map((record) => record.seq)).to.deep.equal([3, 4, 5]);
    expect(page.next).to.equal(5);
    expect((await json(['audit', '--after', '7'])).items).to.deep.equal([]);
    const limited = await fuota(['audit', '--limit', '2']);
    expect(limited.stdout.trimEnd().split('\n').at(-1)).to.equal(
      '(--limit 2 reached; the records after these: --after 2)',
    );
    expect((await fuota(['audit', '--after', '7'])).stdout).to.equal('no audit records after 7\n');
  });

  it('refuses a bad --after or --limit (exit 2), and has --help with examples', async () => {
    for (const args of [
      ['--after', '-1'],
      ['--after', 'x'],
      ['--after', '1.5'],
      ['--limit', '0'],
    ]) {
      const result = await fuota(['audit', ...args]);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr).to.include(args[0]);
    }
    const help = await fuota(['audit', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout)
      .to.match(/Examples?:\n {2}fuota audit/)
      .and.include('--after <seq>')
      .and.include('--limit <n>');
  });
});
