import { expect } from 'chai';
import type { CliBench } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const A = '24:0A:C4:00:00:01';
const B = '24:0A:C4:00:00:02';
const C = '24:0A:C4:00:00:03';
const ROW_ONLY = '24:0A:C4:00:00:09';
const ROW_ONLY_ASSIGNMENT = 'running v1.9.0 is offered lamp/v2.0.0.bin';

/** The fleet commands (`fleet`, `devices --inventory`, `device`, `tag`, `hold`, `note`) against a real server. */
describe('e2e: the fuota CLI, fleet inventory', () => {
  let bench: CliBench;
  const image = buildEspImage({ version: 'v2.0.0', projectName: 'lamp', chip: 'esp32s3' });

  const fuota = (args: string[]) => bench.fuota(args);
  const json = async <T = Record<string, unknown>>(args: string[]) => {
    const result = await fuota(['--json', ...args]);
    expect(result.code, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as T;
  };
  /** A check as the device makes it: HTTPS GET with the shared device credential. */
  const poll = async (device: string, version: string) =>
    (
      await bench.t.client.send(`/devices/${device}?app_ver=${encodeURIComponent(version)}`, {
        auth: TEST_DEVICE_CREDENTIAL,
      })
    ).status;
  const ids = (page: { items: Array<{ id: string }> }) => page.items.map((device) => device.id);

  before(async () => {
    bench = await startCliBench({ 'lamp.bin': image });
    expect((await fuota(['upload', 'lamp.bin', '--as', 'lamp/v2.0.0.bin'])).code).to.equal(0);
    expect((await fuota(['assign', A, '--from', 'v1.9.0', '--file', 'lamp/v2.0.0.bin'])).code).to.equal(0);
    expect((await fuota(['assign', ROW_ONLY, '--from', 'v1.9.0', '--file', 'lamp/v2.0.0.bin'])).code).to.equal(0);
    expect(await poll(A, 'v1.9.0')).to.equal(200);
    expect(await poll(B, 'v2.0.0')).to.equal(404);
    expect(await poll(B, 'v2.0.0')).to.equal(404);
    expect(await poll(C, 'v2.0.0')).to.equal(404);
  });
  after(() => bench.stop());

  it('fleet: the summary, and a bar per project/version/chip (40 columns for the largest without a terminal)', async () => {
    const text = await fuota(['fleet']);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout)
      .to.include('devices:     3\n')
      .and.include('seen:        3 in 15m, 3 in 24h, 3 in 7d\n')
      .and.include('overdue:     0\n')
      .and.include('unassigned:  2\n')
      .and.include('attempts:    offered 1\n');
    expect(text.stdout).to.include(`  lamp v2.0.0 esp32s3  ${'█'.repeat(40)}  2\n`);
    expect(text.stdout).to.include(`  - v1.9.0 -           ${'█'.repeat(20)}${' '.repeat(20)}  1\n`);

    const summary = await json(['fleet']);
    expect(summary).to.deep.include({ devices: 3, overdue: 0, unassigned: 2, seen: { '15m': 3, '24h': 3, '7d': 3 } });
    expect(summary.versions).to.deep.equal([
      { project: 'lamp', version: 'v2.0.0', chip: 'esp32s3', count: 2 },
      { project: null, version: 'v1.9.0', chip: null, count: 1 },
    ]);
    expect(summary.attempts).to.include({ offered: 1, succeeded: 0 });
  });

  it('devices: still the device rows by default; the inventory with --inventory', async () => {
    const rows = await fuota(['devices']);
    expect(rows.stdout.split('\n')[0]).to.match(/^DEVICE\s+FROM VERSION\s+OFFERED FILE$/);
    expect(await json(['devices'])).to.deep.equal([
      { deviceId: A, appVersion: 'v1.9.0', updateFilePath: 'lamp/v2.0.0.bin' },
      { deviceId: ROW_ONLY, appVersion: 'v1.9.0', updateFilePath: 'lamp/v2.0.0.bin' },
    ]);

    const text = await fuota(['devices', '--inventory']);
    expect(text.code, text.stderr).to.equal(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(
      /^DEVICE\s+VERSION\s+PROJECT\/CHIP\s+LAST SEEN\s+POLLS\s+INTERVAL\s+MARKS\s+ATTEMPT\s+HOLD\s+TAGS$/,
    );
    expect(lines).to.have.length(4);
    expect(lines[1]).to.match(/^24:0A:C4:00:00:01\s+v1\.9\.0\s+-\s+(just now|\d+s ago)\s+1\s+-\s+-\s+offered\s+-\s+-$/);
    expect(lines[2]).to.match(
      /^24:0A:C4:00:00:02\s+v2\.0\.0\s+lamp\/esp32s3\s+(just now|\d+s ago)\s+2\s+\S+\s+unassigned\s+-\s+-\s+-$/,
    );
    expect(lines[3]).to.match(/^24:0A:C4:00:00:03\s+v2\.0\.0\s+lamp\/esp32s3\s+.*\s+1\s+-\s+unassigned\s/);

    const page = await json<{ items: Array<{ id: string } & Record<string, unknown>>; next: string | null }>([
      'devices',
      '--inventory',
    ]);
    expect(ids(page)).to.deep.equal([A, B, C]);
    expect(page.next).to.equal(null);
    expect(page.items[1]).to.deep.include({ runningVersion: 'v2.0.0', polls: 2, unassigned: true, hold: false });
    expect(page.items[1]?.image).to.include({ project: 'lamp', chip: 'esp32s3' });
  });

  it('devices: filters (any of them implies --inventory) and --limit, following the cursors', async () => {
    expect(ids(await json(['devices', '--version', 'v2.0.0']))).to.deep.equal([B, C]);
    expect(ids(await json(['devices', '--unassigned']))).to.deep.equal([B, C]);
    expect(ids(await json(['devices', '--state', 'offered']))).to.deep.equal([A]);
    expect(ids(await json(['devices', '--project', 'lamp', '--chip', 'esp32s3']))).to.deep.equal([B, C]);
    expect(ids(await json(['devices', '--seen-after', '1h']))).to.deep.equal([A, B, C]);
    expect(ids(await json(['devices', '--overdue']))).to.deep.equal([]);
    expect((await fuota(['devices', '--overdue'])).stdout).to.equal('no devices in the inventory match\n');

    const two = await json<{ items: Array<{ id: string }>; next: string | null }>(['devices', '--limit', '2']);
    expect(ids(two)).to.deep.equal([A, B]);
    expect(two.next).to.be.a('string');
    expect((await fuota(['devices', '--limit', '2'])).stdout).to.match(
      /\(--limit 2 reached: more devices match; --cursor \S+ lists on\)/,
    );
    expect(ids(await json(['devices', '--limit', '3']))).to.deep.equal([A, B, C]);

    expect((await fuota(['devices', '--state', 'bogus'])).code).to.equal(2);
    expect((await fuota(['devices', '--limit', '0'])).code).to.equal(2);
    // A usage error as a bad --state is (exit 2), said before anything is asked of the server.
    const badTime = await fuota(['devices', '--seen-after', 'yesterday']);
    expect(badTime.code).to.equal(2);
    expect(badTime.stderr).to.include(
      '--seen-after: "yesterday" is neither an ISO 8601 time nor a span back from now (15m, 24h, 7d)',
    );
    // A bare number is no time either (Date.parse took it, and the server refused it: exit 5).
    expect((await fuota(['devices', '--seen-after', '7'])).code).to.equal(2);
    // An empty id names nothing: it printed a TypeError (device), the listing (--json), or a 405.
    for (const args of [
      ['device', ''],
      ['--json', 'device', ''],
      ['hold', ''],
      ['note', '', 'x'],
    ]) {
      const empty = await fuota(args);
      expect([empty.code, empty.stderr], args.join(' ')).to.deep.equal([
        2,
        'fuota: an empty device id, rollout id or path segment names nothing\n',
      ]);
      // --json says it on standard output too, as a JSON error.
      if (args[0] === '--json') expect(JSON.parse(empty.stdout)).to.deep.include({ exitCode: 2 });
      else expect(empty.stdout, args.join(' ')).to.equal('');
    }
    const badWhere = await fuota(['tag', '--add', 'x', '--where-seen-after', 'soon']);
    expect([badWhere.code, badWhere.stderr]).to.deep.equal([
      2,
      'fuota: --where-seen-after: "soon" is neither an ISO 8601 time nor a span back from now (15m, 24h, 7d)\n',
    ]);
  });

  it('device: the device, its row, its attempt and its timeline newest first', async () => {
    const text = await fuota(['device', A]);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout)
      .to.match(/^24:0A:C4:00:00:01\n {2}running: {5}v1\.9\.0\n/)
      .and.match(/ {2}last seen: {3}(just now|\d+s ago) \(\d{4}-\d\d-\d\dT[\d:.]+Z\)\n/)
      .and.include('  assignment:  running v1.9.0 is offered lamp/v2.0.0.bin\n')
      .and.include('  attempt:     offered: lamp/v2.0.0.bin (v1.9.0 -> v2.0.0)')
      .and.include('Attempts (last 1, newest first):')
      .and.include('Timeline (');
    const timeline = text.stdout.slice(text.stdout.indexOf('Timeline ('));
    expect(timeline).to.match(/\n {2}(just now|\d+s ago)\s+\d{4}-[\d\-T:.]+Z\s+offered\s+.*file=lamp\/v2\.0\.0\.bin/);
    expect(timeline.indexOf(' offered ')).to.be.above(0).and.below(timeline.indexOf(' first-seen '));

    const detail = await json(['device', A]);
    expect(detail).to.deep.include({ id: A, assignment: { appVersion: 'v1.9.0', file: 'lamp/v2.0.0.bin' } });
    expect((detail.attempts as unknown[]).length).to.equal(1);
    expect((detail.events as Array<{ type: string }>).map((event) => event.type)).to.have.members([
      'offered',
      'first-seen',
    ]);
    expect((await fuota(['device', B])).stdout).to.include('  assignment:  none (no device row: unassigned)\n');
  });

  it('tag: by ids and by --where-* filters, visible in the listing and in the device', async () => {
    const byIds = await fuota(['tag', A, B, '--add', 'building-7,floor-2']);
    expect([byIds.code, byIds.stdout]).to.deep.equal([0, 'matched 2 device(s), changed 2\n']);
    expect(await json(['tag', A, B, '--add', 'building-7'])).to.deep.equal({ matched: 2, changed: 0, unknown: [] });
    expect(await json(['tag', '--where-version', 'v2.0.0', '--add', 'new', '--remove', 'floor-2'])).to.deep.equal({
      matched: 2,
      changed: 2,
      unknown: [],
    });
    expect(ids(await json(['devices', '--tag', 'building-7']))).to.deep.equal([A, B]);
    expect(ids(await json(['devices', '--tag', 'new']))).to.deep.equal([B, C]);
    expect((await json<{ tags: string[] }>(['device', B])).tags).to.have.members(['building-7', 'new']);
    const device = await fuota(['device', B]);
    expect(device.stdout).to.match(/ {2}tags: {8}(building-7, new|new, building-7)\n/);
    expect(device.stdout).to.match(/device-changed\s+by=operator tags=/);
    expect((await fuota(['devices', '--inventory'])).stdout).to.match(
      /^24:0A:C4:00:00:01\s.*\s-\s+building-7,floor-2$/m,
    );

    expect(await json(['tag', '--all', '--remove', 'new'])).to.deep.equal({ matched: 3, changed: 2, unknown: [] });
    expect((await fuota(['tag', A])).code).to.equal(2);
    expect((await fuota(['tag', '--add', 'x'])).code).to.equal(2);
    expect((await fuota(['tag', A, '--where-tag', 'x', '--add', 'y'])).code).to.equal(2);
    expect((await fuota(['tag', A, '--add', 'has space'])).code).to.equal(5);
  });

  it('hold and note: set and cleared, visible in the device and the listing', async () => {
    expect((await fuota(['hold', C])).stdout).to.equal(`${C}: held\n`);
    expect(await json(['device', C])).to.include({ hold: true });
    expect((await fuota(['device', C])).stdout).to.include('  hold:        held (left out of rollouts)\n');
    expect((await fuota(['devices', '--inventory'])).stdout).to.match(/^24:0A:C4:00:00:03\s.*\sheld\s+\S+$/m);
    expect(await json(['hold', C, '--off'])).to.include({ id: C, hold: false });

    expect((await fuota(['note', C, 'replaced', 'the relay'])).stdout).to.equal(`${C}: replaced the relay\n`);
    expect((await fuota(['note', C])).stdout).to.equal(`${C}: replaced the relay\n`);
    const device = await fuota(['device', C]);
    expect(device.stdout).to.include('  note:        replaced the relay\n');
    expect(device.stdout).to.match(/device-changed\s+by=operator note=replaced the relay/);
    // A note's control characters are shown escaped, never sent to the terminal (it printed them raw).
    expect((await fuota(['note', C, 'clear\u001b[2Jscreen'])).stdout).to.equal(`${C}: clear\\u001b[2Jscreen\n`);
    expect((await fuota(['device', C])).stdout).to.include('  note:        clear\\u001b[2Jscreen\n');
    expect(await json(['note', C])).to.include({ note: 'clear\u001b[2Jscreen' });
    expect(await json(['note', C, ''])).to.include({ id: C, note: '' });
    expect((await fuota(['device', C])).stdout).not.to.include('  note:');
    expect((await fuota(['note', C])).stdout).to.equal(`${C}: no note\n`);
  });

  it('an unknown device: a clear message, exit 4 (and the problem with --json)', async () => {
    const unknown = await fuota(['device', 'nobody']);
    expect([unknown.code, unknown.stdout, unknown.stderr]).to.deep.equal([
      4,
      '',
      'fuota: not found: device nobody has never checked and has no device row\n',
    ]);
    const rowOnly = await fuota(['device', ROW_ONLY]);
    expect([rowOnly.code, rowOnly.stdout]).to.deep.equal([
      0,
      `${ROW_ONLY}\n  never checked\n  assignment:  ${ROW_ONLY_ASSIGNMENT}\n\n`,
    ]);
    const asJson = await fuota(['--json', 'device', 'nobody']);
    expect(asJson.code).to.equal(4);
    expect(JSON.parse(asJson.stdout)).to.deep.include({ exitCode: 4 });
    expect(JSON.parse(asJson.stdout).problem).to.include({ code: 'device-not-found' });
    for (const args of [
      ['hold', 'nobody'],
      ['note', 'nobody', 'x'],
    ]) {
      const result = await fuota(args);
      expect([result.code, result.stderr], args.join(' ')).to.deep.equal([
        4,
        'fuota: not found: device nobody has never checked\n',
      ]);
    }
    // Found by a new user: "matched 1 device(s)" and exit 0 for a device that was never tagged.
    const untagged = await fuota(['tag', A, 'nobody', '--add', 'x']);
    expect([untagged.code, untagged.stdout, untagged.stderr]).to.deep.equal([
      4,
      'matched 1 device(s), changed 1\n',
      'fuota: warning: not in the inventory (never checked, or forgotten), left untagged: nobody\n',
    ]);
    const unknownJson = await fuota(['--json', 'tag', 'nobody', '--add', 'x']);
    expect(unknownJson.code).to.equal(4);
    expect(JSON.parse(unknownJson.stdout)).to.deep.equal({ matched: 0, changed: 0, unknown: ['nobody'] });
  });

  it('has --help with examples on every fleet command', async () => {
    for (const command of ['fleet', 'device', 'tag', 'hold', 'note']) {
      const help = await fuota([command, '--help']);
      expect(help.code, command).to.equal(0);
      expect(help.stdout, command).to.match(/Examples?:\n {2}fuota /);
    }
    const devices = (await fuota(['devices', '--help'])).stdout;
    expect(devices).to.include('--inventory').and.include('--seen-after <time>').and.include('--limit <n>');
    expect((await fuota(['tag', '--help'])).stdout)
      .to.include('--where-seen-after <time>')
      .and.include('--all');
  });
});
