import { expect } from 'chai';
import type {
  DevicePenaltiesJson,
  RolloutDeviceListJson,
  RolloutJson,
  RolloutListJson,
  RolloutPreviewJson,
} from '../../src/cli/rollout-api.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { RolloutId } from '../../src/domain/rollout/rollout-id.js';
import { waveBucket } from '../../src/domain/rollout/wave-bucket.js';
import type { CliBench, CliResult } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { FleetApi } from '../support/fleet-api-client.js';
import { TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const RUNNING_FILE = 'lamp/v1.0.0.bin';
const TARGET_FILE = 'lamp/v2.0.0.bin';
/** The same image under another path, offered by the rollout from a definition file: a penalty box of its own. */
const CANARY_FILE = 'lamp/canary/v2.0.0.bin';

/** Tagged `lamp` and held: selected by the tag rollout, excluded as `held`. */
const HELD = '24:0A:C4:00:00:01';
/** Tagged `lamp`, already on 2.0.0: selected, excluded as `already-running`. */
const CURRENT = '24:0A:C4:00:00:02';
/** On 1.0.0 without the tag: selected by nothing. */
const UNTAGGED = '24:0A:C4:00:00:03';
/** Selected by the rollout from a definition file: it rolls back, and is in the penalty box after one failure. */
const PENALIZED = '24:0A:C4:00:00:04';
/**
 * Selected by the rollouts of one device but never polls again: they still await it, so no
 * supervision tick completes them by itself (a last wave with nothing in flight and no device
 * awaited completes on its own, docs/rollouts.md) while the test drives them.
 */
const SPARE = '24:0A:C4:00:00:05';
const CAP_A = '24:0A:C4:00:00:06';
const CAP_B = '24:0A:C4:00:00:07';
const VICTIM = '24:0A:C4:00:00:08';
const NEVER_SEEN = '24:0A:C4:00:00:99';
/** Devices that may join the tag rollout once its id, which seeds the wave buckets, is known. */
const POOL = Array.from({ length: 256 }, (_, n) => `24:0A:C4:00:01:${n.toString(16).padStart(2, '0').toUpperCase()}`);

const ATTEMPT_STATES = [
  'offered',
  'downloading',
  'downloaded',
  'provisional',
  'succeeded',
  'rolled-back',
  'download-failed',
  'refused',
  'silent',
  'withdrawn',
];
const attempts = (some: Record<string, number> = {}) => ({
  ...Object.fromEntries(ATTEMPT_STATES.map((state) => [state, 0])),
  ...some,
});
const NO_EXCLUSIONS = {
  held: 0,
  'device-row': 0,
  penalized: 0,
  'unknown-image': 0,
  'other-chip': 0,
  'other-project': 0,
  'already-running': 0,
  'lower-secure-version': 0,
  downgrade: 0,
  'unknown-version-order': 0,
  'rolled-back-before': 0,
};
const OFFER_PATH = /^\.offer\/\d{15}-(.+)$/;
const HOUR_MS = 3_600_000;

/** The definition file of the second rollout; `--max-in-flight 3` is given over its 10. */
const DEFINITION = {
  name: 'lamp 2.0 canary',
  file: CANARY_FILE,
  selector: { devices: [PENALIZED, SPARE] },
  waves: [100],
  maxInFlight: 10,
  halt: { failurePercent: 50, failureCount: 1, minResolved: 1 },
  penalty: { failures: 1, hours: 24 },
};
/** Values the service refuses. */
const BAD_VALUES = {
  name: 'bad',
  file: 'lamp/v9.bin',
  waves: [10, 5],
  halt: { failurePercent: 0 },
  selector: { chip: 'z80' },
};
/** Fields of the wrong type, or unknown. */
const BAD_TYPES = { name: 'bad types', file: 3, waves: [1, 'ten'], selector: { tags: ['x'] }, maxInFlight: '5' };
/** Both kinds at once. */
const BAD_MIXED = { name: 'bad mix', file: 'lamp/v9.bin', waves: [10, 5], maxInFlight: '5' };
/** A rollout of the tag rollout's image (path and version), with a penalty box after one failure. */
const VICTIM_DEFINITION = {
  name: 'same image, stricter box',
  file: TARGET_FILE,
  selector: { devices: [VICTIM, SPARE] },
  waves: [100],
  penalty: { failures: 1, hours: 24 },
};

/** The bad fields a refusal names on stderr, one a line after the first: `  <path>: <message>`. */
const namedFields = (stderr: string) =>
  stderr
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => /^ {2}([\w.]+): \S/.exec(line)?.[1] ?? `(not a field line: ${line})`);

/**
 * `fuota rollout ...` and `fuota penalty ...` (issue 17) against a real server that devices poll
 * over HTTPS: a rollout by tag from flags, one from a definition file, refusals of bad
 * definitions, list, show (a progress bar per wave), preview, the devices offered to, the
 * operator actions and their refusals, a halt, and a device's penalty box.
 */
describe('e2e: the fuota CLI, rollouts', () => {
  let bench: CliBench;
  /** The API, for what the test sets up without the commands under test (files, tags, holds). */
  let api: FleetApi | undefined;
  const running = buildEspImage({ version: '1.0.0', projectName: 'lamp', chip: 'esp32c3' });
  const target = buildEspImage({ version: '2.0.0', projectName: 'lamp', chip: 'esp32c3', seed: 2 });
  /** The rollout created from flags, and the two devices that joined it: one in its 50% wave, one not. */
  let tagged = '';
  let inWave = '';
  let outOfWave = '';
  /** The rollout created from the definition file. */
  let canary = '';

  const fuota = (args: string[]) => bench.fuota(args);
  const ok = async (args: string[]) => {
    const result = await fuota(args);
    expect(result.code, `fuota ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    expect(result.stderr, `fuota ${args.join(' ')}`).to.equal('');
    return result.stdout;
  };
  const json = async <T>(args: string[]) => JSON.parse(await ok(['--json', ...args])) as T;
  /** A refusal: its exit status, nothing on stdout, the reason on stderr. */
  const refused = async (args: string[], code: number): Promise<CliResult> => {
    const result = await fuota(args);
    expect([result.code, result.stdout], `fuota ${args.join(' ')}: ${result.stderr}`).to.deep.equal([code, '']);
    expect(result.stderr, `fuota ${args.join(' ')}`).to.not.equal('');
    return result;
  };
  /** A check as the device makes it: HTTPS GET with the shared device credential; a 200's body is the path to fetch. */
  const poll = async (device: string, version: string) => {
    const res = await bench.t.client.send(`/devices/${device}?app_ver=${encodeURIComponent(version)}`, {
      auth: TEST_DEVICE_CREDENTIAL,
    });
    return { status: res.status, path: res.text };
  };
  /** The device takes its offer: the whole image, from the path it was given. */
  const download = async (path: string) => {
    const res = await bench.t.client.send(`/files/${path}`, { auth: TEST_DEVICE_CREDENTIAL });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.equals(target), 'the target image').to.equal(true);
  };
  const patch = async (device: string, body: Record<string, unknown>) =>
    expect((await api?.patch(device, body))?.status, device).to.equal(200);
  const offeredTo = (path: string) => OFFER_PATH.exec(path)?.[1];
  const bucket = (rollout: string, device: string) => waveBucket(rollout as RolloutId, device as DeviceId);
  /** The line of wave `n` (1-based) in `show`: marker, percentage, 40-character bar, devices and attempts. */
  const waveLine = (text: string, n: number) =>
    text.split('\n').find((line) => new RegExp(`^ {2}[> ] ${n} {2}`).test(line)) ?? `(no line for wave ${n})`;

  before(async () => {
    bench = await startCliBench({
      'canary.json': Buffer.from(JSON.stringify(DEFINITION)),
      'victim.json': Buffer.from(JSON.stringify(VICTIM_DEFINITION)),
      'bad-values.json': Buffer.from(JSON.stringify(BAD_VALUES)),
      'bad-types.json': Buffer.from(JSON.stringify(BAD_TYPES)),
      'bad-mixed.json': Buffer.from(JSON.stringify(BAD_MIXED)),
      'list.json': Buffer.from('[]'),
      'broken.json': Buffer.from('{"name":'),
    });
    api = new FleetApi(bench.t);
    for (const [path, image] of [
      [RUNNING_FILE, running],
      [TARGET_FILE, target],
      [CANARY_FILE, target],
    ] as const) {
      expect((await bench.t.client.put(`/files/${path}`, image, 'application/octet-stream')).status).to.equal(200);
    }
    for (const [device, version] of [
      [HELD, '1.0.0'],
      [CURRENT, '2.0.0'],
      [UNTAGGED, '1.0.0'],
      [PENALIZED, '1.0.0'],
      [SPARE, '1.0.0'],
      [CAP_A, '1.0.0'],
      [CAP_B, '1.0.0'],
      [VICTIM, '1.0.0'],
    ] as const) {
      expect((await poll(device, version)).status, device).to.equal(404);
    }
    await patch(HELD, { tags: ['lamp'], hold: true });
    await patch(CURRENT, { tags: ['lamp'] });
  });
  after(async () => {
    api?.close();
    await bench.stop();
  });

  it('create from flags: a draft with the name, file, waves, tag selector and caps given, the rest defaults', async () => {
    const text = await ok([
      'rollout',
      'create',
      '--name',
      'lamp 2.0',
      '--file',
      TARGET_FILE,
      '--waves',
      '50,100',
      '--tags-all',
      'lamp',
      '--chip',
      'esp32c3',
      '--max-in-flight',
      '20',
      '--max-offers-per-minute',
      '30',
      '--priority',
      '5',
    ]);
    const head = /^(\S+) {2}lamp 2\.0\n {2}state: {6}draft\n/.exec(text);
    expect(head, text).to.not.equal(null);
    tagged = head?.[1] ?? '';
    expect(text)
      .to.include(`  file:       ${TARGET_FILE}\n`)
      .and.include('  selector:   tags all lamp; chip esp32c3\n')
      .and.include('  in flight:  0 of at most 20; offers in the last minute 0 of at most 30\n')
      .and.include('  advance:    manual\n')
      .and.include('  options:    priority 5; downgrades refused; devices of unknown images left out\n')
      .and.include('\nWaves (cumulative):\n');

    const rollout = await json<RolloutJson>(['rollout', 'show', tagged]);
    expect(rollout).to.deep.include({
      id: tagged,
      name: 'lamp 2.0',
      file: TARGET_FILE,
      selector: { tagsAll: ['lamp'], tagsAny: [], devices: [], versions: null, project: null, chip: 'esp32c3' },
      maxInFlight: 20,
      maxOffersPerMinute: 30,
      priority: 5,
      advance: null,
      halt: { failurePercent: 20, failureCount: 10, minResolved: 10 },
      penalty: { failures: 3, hours: 24 },
      allowDowngrade: false,
      state: 'draft',
      wave: 0,
      inFlight: 0,
      haltReason: null,
    });
    expect(rollout.waves.map((wave) => wave.percent)).to.deep.equal([50, 100]);

    // Two devices join now that the id seeding their buckets is known: one in the 50% wave, one
    // in the 100% wave only. A draft offers nothing: they are answered as before (no row: 404).
    inWave = POOL.find((device) => bucket(tagged, device) < 5000) ?? '';
    outOfWave = POOL.find((device) => bucket(tagged, device) >= 5000) ?? '';
    expect([inWave, outOfWave]).to.not.include('');
    for (const device of [inWave, outOfWave]) expect((await poll(device, '1.0.0')).status).to.equal(404);
    for (const device of [inWave, outOfWave]) await patch(device, { tags: ['lamp'] });
  });

  it('create from --definition FILE.json, a flag set over a field of the file', async () => {
    const created = await json<RolloutJson>([
      'rollout',
      'create',
      '--definition',
      'canary.json',
      '--max-in-flight',
      '3',
      // Over one field of the file's halt rule: the others stay (it still halts at the first failure).
      '--halt-failure-percent',
      '40',
    ]);
    canary = created.id;
    expect(canary)
      .to.match(/^[A-Za-z0-9_-]{1,32}$/)
      .and.not.equal(tagged);
    expect(created).to.deep.include({
      name: DEFINITION.name,
      file: CANARY_FILE,
      selector: { tagsAll: [], tagsAny: [], devices: [PENALIZED, SPARE], versions: null, project: null, chip: null },
      maxInFlight: 3,
      maxOffersPerMinute: 60,
      halt: { ...DEFINITION.halt, failurePercent: 40 },
      penalty: DEFINITION.penalty,
      state: 'draft',
    });
    expect(created.waves).to.deep.equal([{ percent: 100, devices: 2, attempts: attempts() }]);
    expect(await json(['rollout', 'show', canary])).to.deep.equal(created);
  });

  it('refuses an invalid definition: exit 5, every bad field on a line of its own on stderr; usage mistakes exit 2', async () => {
    const [values, types, flags, asJson] = await Promise.all([
      refused(['rollout', 'create', '--definition', 'bad-values.json'], 5),
      refused(['rollout', 'create', '--definition', 'bad-types.json'], 5),
      // The flags are the server's to check too, over the file's fields.
      refused(
        ['rollout', 'create', '--name', 'x', '--file', 'nope.bin', '--waves', '100,50', '--max-in-flight', '0'],
        5,
      ),
      fuota(['--json', 'rollout', 'create', '--definition', 'bad-values.json']),
    ]);
    expect(values.stderr).to.match(/^fuota: the rollout is not valid:\n/);
    expect(namedFields(values.stderr)).to.have.members(['file', 'waves.1', 'halt.failurePercent', 'selector.chip']);
    expect(values.stderr).to.include('\n  file: no stored valid image at lamp/v9.bin\n');
    expect(namedFields(types.stderr)).to.have.members(['file', 'waves.1', 'selector.tags', 'maxInFlight']);
    expect(namedFields(flags.stderr)).to.have.members(['file', 'waves.1', 'maxInFlight']);

    // With --json: the problem on stdout, every field in it.
    expect(asJson.code).to.equal(5);
    const failure = JSON.parse(asJson.stdout) as {
      exitCode: number;
      problem: { code: string; problems: { path: (string | number)[] }[] };
    };
    expect(failure.exitCode).to.equal(5);
    expect(failure.problem.code).to.equal('invalid-rollout');
    expect(failure.problem.problems.map((one) => one.path.join('.'))).to.have.members([
      'file',
      'waves.1',
      'halt.failurePercent',
      'selector.chip',
    ]);

    // Mistakes the CLI finds before asking: exit 2, the reason on stderr.
    const mistakes = [
      [['--name', 'x'], 'give --name and --file'],
      [['--name', 'x', '--file', TARGET_FILE, '--waves', '10,half'], 'percentages separated by commas'],
      [['--name', 'x', '--file', TARGET_FILE, '--max-in-flight', 'many'], 'a whole number'],
      [['--definition', 'missing.json'], '--definition missing.json: ENOENT'],
      [['--definition', 'list.json'], '--definition list.json: not a JSON object'],
      [['--definition', 'broken.json'], '--definition broken.json: '],
    ] as const;
    const results = await Promise.all(mistakes.map(([args]) => refused(['rollout', 'create', ...args], 2)));
    results.forEach((result, index) =>
      expect(result.stderr, mistakes[index]?.[0].join(' ')).to.include(mistakes[index]?.[1]),
    );
    // None of them created a rollout.
    expect((await json<RolloutListJson>(['rollout', 'list'])).items.map((one) => one.id)).to.deep.equal([
      canary,
      tagged,
    ]);
  });

  it('list: a row per rollout, newest first; --json with the issue fields; --state filters', async () => {
    const [text, drafts, none, noneText, stuck] = await Promise.all([
      ok(['rollout', 'list']),
      json<RolloutListJson>(['rollout', 'list', '--state', 'draft']),
      json<RolloutListJson>(['rollout', 'list', '--state', 'running']),
      ok(['rollout', 'list', '--state', 'running']),
      // A state that is none: a usage error (2), before anything is asked of the server.
      refused(['rollout', 'list', '--state', 'stuck'], 2),
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).to.match(/^ID\s+NAME\s+STATE\s+WAVE\s+FILE\s+IN FLIGHT\s+FAILED\s+WAVE FAILED\s+UPDATED$/);
    expect(lines).to.have.length(3);
    expect(lines[1]).to.match(
      new RegExp(
        `^${canary}\\s+lamp 2\\.0 canary\\s+draft\\s+- of 1\\s+lamp/canary/v2\\.0\\.0\\.bin\\s+0/3\\s+0\\s+-\\s+\\S`,
      ),
    );
    expect(lines[2]).to.match(
      new RegExp(`^${tagged}\\s+lamp 2\\.0\\s+draft\\s+- of 2\\s+lamp/v2\\.0\\.0\\.bin\\s+0/20\\s+0\\s+-\\s+\\S`),
    );

    expect(drafts.items.map((one) => one.id)).to.deep.equal([canary, tagged]);
    for (const one of drafts.items) {
      expect(one).to.include.all.keys('id', 'state', 'wave', 'waves', 'inFlight', 'haltReason');
      for (const wave of one.waves) expect(wave).to.have.all.keys('percent', 'devices', 'attempts');
    }
    expect(drafts.items[1]).to.deep.include({ state: 'draft', wave: 0, inFlight: 0, haltReason: null });
    expect(drafts.items[1]?.waves).to.deep.equal([
      { percent: 50, devices: 1, attempts: attempts() },
      { percent: 100, devices: 2, attempts: attempts() },
    ]);
    expect(none.items).to.deep.equal([]);
    expect(noneText).to.equal('no rollouts\n');
    expect(stuck.stderr).to.include("argument 'stuck' is invalid. Allowed choices are draft, running, paused");
  });

  it('show: where it stands and a bar per wave (40 characters without a terminal), none marked current while draft; 4 for an unknown id', async () => {
    const [text, missing, missingJson] = await Promise.all([
      ok(['rollout', 'show', tagged]),
      refused(['rollout', 'show', 'nope'], 4),
      fuota(['--json', 'rollout', 'show', 'nope']),
    ]);
    expect(text).to.include('  this wave:  0 resolved: 0 succeeded, 0 failed\n');
    expect(waveLine(text, 1)).to.match(new RegExp(`^ {4}1 {2}50% {3}${'·'.repeat(40)} {2}1 device: no attempts$`));
    expect(waveLine(text, 2)).to.match(new RegExp(`^ {4}2 {2}100% {2}${'·'.repeat(40)} {2}2 devices: no attempts$`));
    expect(text).to.match(/\n {2}█ succeeded {2}▒ in flight {2}x failed {2}- in earlier waves {2}· not offered\n$/);
    expect(missing.stderr).to.equal('fuota: not found: no rollout nope\n');
    expect(missingJson.code).to.equal(4);
    expect(JSON.parse(missingJson.stdout)).to.deep.include({ exitCode: 4 });
  });

  it('preview: selected, eligible, the devices each rule excludes, and the devices per wave', async () => {
    const [preview, text, other] = await Promise.all([
      json<RolloutPreviewJson>(['rollout', 'preview', tagged]),
      ok(['rollout', 'preview', tagged]),
      json<RolloutPreviewJson>(['rollout', 'preview', canary]),
      refused(['rollout', 'preview', 'nope'], 4),
    ]);
    expect(preview).to.deep.equal({
      selected: 4,
      eligible: 2,
      excluded: { ...NO_EXCLUSIONS, held: 1, 'already-running': 1 },
      waves: [
        { percent: 50, devices: 1 },
        { percent: 100, devices: 2 },
      ],
      unseen: [],
    });
    expect(text).to.match(
      /^selected: {2}4 devices\neligible: {2}2\nexcluded \(a device may count under several rules\):\n/,
    );
    const excluded = text.slice(text.indexOf('excluded'), text.indexOf('waves ('));
    expect(excluded.trimEnd().split('\n').slice(1)).to.have.length(2);
    expect(excluded)
      .to.match(/\n {2}held\s+1\n/)
      .and.match(/\n {2}already-running\s+1\n/);
    expect(text).to.match(/\nwaves \(cumulative\):\n {2}1 {2}50% {3}1 devices?\n {2}2 {2}100% {2}2 devices\n$/);
    expect(other).to.deep.include({ selected: 2, eligible: 2, waves: [{ percent: 100, devices: 2 }] });
  });

  it('start: the device in the first wave polls over HTTPS and is offered its own .offer/ path; devices lists it', async () => {
    await refused(['rollout', 'pause', tagged], 5);
    const started = await ok(['rollout', 'start', tagged]);
    expect(started)
      .to.include('  state:      running, wave 1 of 2 (50%)\n')
      .and.match(/\n {2}started: {4}\S/);
    expect(waveLine(started, 1)).to.match(/^ {2}> 1 /);
    expect(waveLine(started, 2)).to.match(/^ {4}2 /);

    const offer = await poll(inWave, '1.0.0');
    expect(offer.status).to.equal(200);
    expect(offer.path).to.match(OFFER_PATH);
    expect(offeredTo(offer.path)).to.equal(inWave);
    // Not in the first wave yet: no offer. (Documented as 204: see the last tests.)
    expect((await poll(outOfWave, '1.0.0')).status, 'not in the first wave yet').to.not.equal(200);
    expect((await poll(UNTAGGED, '1.0.0')).status, 'not selected').to.equal(404);
    expect((await poll(HELD, '1.0.0')).status, 'held').to.equal(404);

    const [devices, table, shown] = await Promise.all([
      json<RolloutDeviceListJson>(['rollout', 'devices', tagged]),
      ok(['rollout', 'devices', tagged]),
      ok(['rollout', 'show', tagged]),
    ]);
    expect(devices.items).to.have.length(1);
    expect(devices.items[0]).to.deep.include({ device: inWave, wave: 0, state: 'offered' });
    expect(`.offer/${devices.items[0]?.attempt}`).to.equal(offer.path);
    const rows = table.trimEnd().split('\n');
    expect(rows[0]).to.match(/^DEVICE\s+WAVE\s+STATE\s+OFFERED\s+UPDATED\s+ATTEMPT$/);
    expect(rows).to.have.length(2);
    expect(rows[1]).to.match(
      new RegExp(
        `^${inWave}\\s+1\\s+offered\\s+(just now|\\d+s ago)\\s+(just now|\\d+s ago)\\s+${devices.items[0]?.attempt}$`,
      ),
    );
    expect(shown).to.include('  in flight:  1 of at most 20; offers in the last minute 1 of at most 30\n');
    expect(waveLine(shown, 1)).to.match(new RegExp(`^ {2}> 1 {2}50% {3}${'▒'.repeat(40)} {2}1 device: 1 in flight$`));
    // Wave 1's device is drawn as offered in an earlier wave: half of wave 2's two devices.
    expect(waveLine(shown, 2)).to.match(
      new RegExp(`^ {4}2 {2}100% {2}${'-'.repeat(20)}${'·'.repeat(20)} {2}2 devices: no attempts; 1 in earlier waves$`),
    );

    // It downloads the image from that path, boots it and reports it: the attempt succeeds.
    await download(offer.path);
    const downloaded = await json<RolloutDeviceListJson>(['rollout', 'devices', tagged, '--state', 'downloaded']);
    expect(downloaded.items.map((one) => one.device)).to.deep.equal([inWave]);
    for (let n = 0; n < 3; n += 1) expect((await poll(inWave, '2.0.0')).status).to.equal(404);
    const [succeeded, offeredText, badState, unknown, rollout, text] = await Promise.all([
      json<RolloutDeviceListJson>(['rollout', 'devices', tagged, '--state', 'succeeded']),
      ok(['rollout', 'devices', tagged, '--state', 'offered']),
      refused(['rollout', 'devices', tagged, '--state', 'done'], 2),
      refused(['rollout', 'devices', 'nope'], 4),
      json<RolloutJson>(['rollout', 'show', tagged]),
      ok(['rollout', 'show', tagged]),
    ]);
    expect(succeeded.items.map((one) => one.device)).to.deep.equal([inWave]);
    expect(offeredText).to.equal('no devices\n');
    expect(badState.stderr).to.include("argument 'done' is invalid. Allowed choices are offered, downloading");
    expect(unknown.stderr).to.equal('fuota: not found: no rollout nope\n');
    expect(rollout).to.deep.include({ state: 'running', wave: 0, inFlight: 0, haltReason: null });
    expect(rollout.waves[0]?.attempts).to.deep.equal(attempts({ succeeded: 1 }));
    expect(rollout.current).to.deep.include({ resolved: 1, succeeded: 1, failed: 0 });
    // The device now runs the target: still one of the wave's devices, none left to offer to.
    expect(waveLine(text, 1)).to.match(new RegExp(`^ {2}> 1 {2}50% {3}${'█'.repeat(40)} {2}1 device: 1 succeeded$`));
  });

  it('pause, advance while paused, resume, advance past the last wave (completed); each refused (5) where its state does not allow it', async () => {
    // Refused while running: exit 5 with the server's reason.
    const [start, resume] = await Promise.all([
      refused(['rollout', 'start', tagged], 5),
      refused(['rollout', 'resume', tagged], 5),
    ]);
    expect(start.stderr).to.equal('fuota: the server answered 409: cannot start a running rollout (only draft)\n');
    expect(resume.stderr).to.match(/^fuota: the server answered 409: cannot resume a running rollout \(only .*\)\n$/);

    expect(await ok(['rollout', 'pause', tagged])).to.include('  state:      paused, wave 1 of 2 (50%)\n');
    await refused(['rollout', 'pause', tagged], 5);
    // Advanced while paused: the second wave holds the other device, but a paused rollout is no
    // candidate: the device is answered as without any rollout (no device row: 404).
    expect(await json<RolloutJson>(['rollout', 'advance', tagged])).to.deep.include({ state: 'paused', wave: 1 });
    expect((await poll(outOfWave, '1.0.0')).status, 'paused').to.equal(404);

    const resumed = await ok(['rollout', 'resume', tagged]);
    expect(resumed)
      .to.include('  state:      running, wave 2 of 2 (100%)\n')
      .and.match(/\n {2}resumed: {4}\S/);
    expect(waveLine(resumed, 2)).to.match(/^ {2}> 2 /);
    const offer = await poll(outOfWave, '1.0.0');
    expect(offer.status).to.equal(200);
    expect(offeredTo(offer.path)).to.equal(outOfWave);
    const devices = await json<RolloutDeviceListJson>(['rollout', 'devices', tagged]);
    expect(devices.items.map((one) => [one.device, one.wave, one.state])).to.have.deep.members([
      [inWave, 0, 'succeeded'],
      [outOfWave, 1, 'offered'],
    ]);

    // Past the last wave: completed; then every action is refused.
    const completed = await ok(['rollout', 'advance', tagged]);
    expect(completed)
      .to.match(/\n {2}state: {6}completed, wave 2 of 2 \(100%\)\n/)
      .and.match(/\n {2}ended: {6}\S/);
    const actions = ['pause', 'advance', 'abort'];
    const [refusals, asJson, unknown, after] = await Promise.all([
      Promise.all(actions.map((action) => refused(['rollout', action, tagged], 5))),
      fuota(['--json', 'rollout', 'abort', tagged]),
      refused(['rollout', 'advance', 'nope'], 4),
      json<RolloutJson>(['rollout', 'show', tagged]),
    ]);
    refusals.forEach((result, index) =>
      expect(result.stderr).to.include(`: cannot ${actions[index]} a completed rollout`),
    );
    expect(asJson.code).to.equal(5);
    expect(JSON.parse(asJson.stdout)).to.deep.include({ exitCode: 5 });
    expect(JSON.parse(asJson.stdout).problem).to.include({ code: 'rollout-state-conflict' });
    expect(unknown.stderr).to.equal('fuota: not found: no rollout nope\n');
    expect(after.state).to.equal('completed');
  });

  it('halts on a rollback and boxes the device: penalty show and clear (4 for a device never seen); resume; abort', async () => {
    expect((await json<RolloutJson>(['rollout', 'start', canary])).state).to.equal('running');
    const offer = await poll(PENALIZED, '1.0.0');
    expect(offer.status).to.equal(200);
    expect(offeredTo(offer.path)).to.equal(PENALIZED);
    await download(offer.path);
    // Back on 1.0.0: rolled back. One failure of one resolved attempt halts this rollout, and puts
    // the device in the penalty box for the image.
    expect((await poll(PENALIZED, '1.0.0')).status).to.equal(404);

    const [halted, text, haltedList, penalties, shown, nobody] = await Promise.all([
      json<RolloutJson>(['rollout', 'show', canary]),
      ok(['rollout', 'show', canary]),
      json<RolloutListJson>(['rollout', 'list', '--state', 'halted']),
      json<DevicePenaltiesJson>(['penalty', 'show', PENALIZED]),
      ok(['penalty', 'show', PENALIZED]),
      fuota(['penalty', 'show', NEVER_SEEN]),
    ]);
    expect(halted).to.deep.include({ state: 'halted', inFlight: 0 });
    expect(halted.haltReason).to.deep.include({ resolved: 1, failed: 1 });
    expect(text)
      .to.include('  state:      halted, wave 1 of 1 (100%)\n')
      .and.include(`  halted:     ${halted.haltReason?.text}\n`);
    // Two devices: the one that failed, and the spare still to offer to.
    expect(waveLine(text, 1)).to.match(/^ {2}> 1 {2}100% {2}x{20}·{20} {2}2 devices: 1 failed$/);
    expect(haltedList.items.map((one) => one.id)).to.deep.equal([canary]);

    expect(penalties.device).to.equal(PENALIZED);
    expect(penalties.rolledBack).to.deep.equal(['2.0.0']);
    expect(penalties.penalties).to.have.length(1);
    const penalty = penalties.penalties[0];
    expect(penalty).to.deep.include({ file: CANARY_FILE, version: '2.0.0', failures: 1 });
    expect(Date.parse(String(penalty?.until)) - Date.parse(String(penalty?.lastFailureAt))).to.equal(24 * HOUR_MS);
    expect(shown).to.match(
      new RegExp(
        `^${PENALIZED}: in the penalty box for\\n {2}lamp/canary/v2\\.0\\.0\\.bin {2}2\\.0\\.0 {2}1 failure {2}until \\S+Z \\(in 2[34]h\\)\\n` +
          'rolled back before, not offered again by a rollout until cleared: 2\\.0\\.0\\n$',
      ),
    );
    // A device never seen (a mistyped id, say) is not found, as for clear (it said "not in the penalty box").
    expect([nobody.code, nobody.stderr]).to.deep.equal([
      4,
      `fuota: not found: device ${NEVER_SEEN} has never checked\n`,
    ]);

    // Resumed, the rollout still offers it nothing: penalized, and rolled back before.
    expect(await json(['rollout', 'resume', canary])).to.deep.include({ state: 'running', haltReason: null });
    expect((await poll(PENALIZED, '1.0.0')).status).to.equal(404);
    expect((await json<RolloutPreviewJson>(['rollout', 'preview', canary])).excluded).to.deep.equal({
      ...NO_EXCLUSIONS,
      penalized: 1,
      'rolled-back-before': 1,
    });

    // Cleared: out of the box, the rollback forgotten, and offered the image again.
    expect(await ok(['penalty', 'clear', PENALIZED])).to.equal(`${PENALIZED}: penalty box cleared\n`);
    const [after, preview] = await Promise.all([
      ok(['penalty', 'show', PENALIZED]),
      json<RolloutPreviewJson>(['rollout', 'preview', canary]),
    ]);
    expect(after).to.equal(`${PENALIZED}: not in the penalty box\n`);
    expect(preview).to.deep.include({ eligible: 2, excluded: NO_EXCLUSIONS });
    const again = await poll(PENALIZED, '1.0.0');
    expect(again.status).to.equal(200);
    expect(offeredTo(again.path)).to.equal(PENALIZED);
    expect(again.path).to.not.equal(offer.path);

    const [cleared, never, badId] = await Promise.all([
      json(['penalty', 'clear', PENALIZED]),
      refused(['penalty', 'clear', NEVER_SEEN], 4),
      refused(['penalty', 'clear', 'no such device'], 5),
    ]);
    expect(cleared).to.deep.equal({ cleared: PENALIZED });
    expect(never.stderr).to.equal(`fuota: not found: device ${NEVER_SEEN} has never checked\n`);
    expect(badId.stderr).to.match(/^fuota: the server answered 400: /);

    // Aborted: no more offers (the spare polling now gets nothing), and every action refused.
    const aborted = await ok(['rollout', 'abort', canary]);
    expect(aborted)
      .to.match(/^\S+ {2}lamp 2\.0 canary\n {2}state: {6}aborted, /)
      .and.match(/\n {2}ended: {6}\S/);
    expect((await poll(SPARE, '1.0.0')).status).to.equal(404);
    const actions = ['resume', 'abort'];
    const [refusals, list] = await Promise.all([
      Promise.all(actions.map((action) => refused(['rollout', action, canary], 5))),
      json<RolloutListJson>(['rollout', 'list']),
    ]);
    refusals.forEach((result, index) =>
      expect(result.stderr).to.include(`: cannot ${actions[index]} an aborted rollout`),
    );
    expect(list.items.map((one) => [one.id, one.state])).to.deep.equal([
      [canary, 'aborted'],
      [tagged, 'completed'],
    ]);
  });

  it('has --help with examples on rollout and penalty', async () => {
    const [rollout, create, penalty] = await Promise.all([
      ok(['rollout', '--help']),
      ok(['rollout', 'create', '--help']),
      ok(['penalty', '--help']),
    ]);
    expect(rollout).to.match(/Examples?:\n {2}fuota rollout /);
    for (const command of [
      'create',
      'list',
      'show',
      'preview',
      'devices',
      'start',
      'pause',
      'resume',
      'advance',
      'abort',
    ]) {
      expect(rollout, command).to.match(new RegExp(`\\n {2}${command}\\b`));
    }
    expect(create).to.include('--definition <file.json>').and.include('--tags-all <tags>');
    expect(penalty).to.match(/Examples?:\n {2}fuota penalty show /);
  });

  /*
   * What the issue and the docs say and the server does not do (yet). Each test fails for one
   * server-side cause, named in its title; the CLI only shows what the server answers.
   */
  describe('documented behaviour the server lacks', () => {
    it('names every bad field at once, a wrong type and bad values together (docs/api.md, Problems)', async () => {
      const mixed = await refused(['rollout', 'create', '--definition', 'bad-mixed.json'], 5);
      expect(namedFields(mixed.stderr)).to.have.members(['maxInFlight', 'file', 'waves.1']);
    });

    it('answers 204 to a device a running rollout wants but holds back at a cap (issue 17 and docs/rollouts.md, step 5)', async () => {
      const capped = await json<RolloutJson>([
        'rollout',
        'create',
        '--name',
        'one at a time',
        '--file',
        TARGET_FILE,
        '--devices',
        `${CAP_A},${CAP_B}`,
        '--waves',
        '100',
        '--max-in-flight',
        '1',
      ]);
      await ok(['rollout', 'start', capped.id]);
      expect((await poll(CAP_A, '1.0.0')).status).to.equal(200);
      expect((await json<RolloutJson>(['rollout', 'show', capped.id])).inFlight).to.equal(1);
      expect((await poll(CAP_B, '1.0.0')).status, 'over the in-flight cap: "told 204 and simply polls again"').to.equal(
        204,
      );
    });

    it('penalty show lists a box that a later rollout of the same image (path and version) put the device in (docs/rollouts.md, penalty box)', async () => {
      const strict = await json<RolloutJson>(['rollout', 'create', '--definition', 'victim.json']);
      await ok(['rollout', 'start', strict.id]);
      const offer = await poll(VICTIM, '1.0.0');
      expect(offer.status).to.equal(200);
      await download(offer.path);
      expect((await poll(VICTIM, '1.0.0')).status).to.equal(404);
      // The rollout holds the device back for its penalty box...
      expect((await json<RolloutPreviewJson>(['rollout', 'preview', strict.id])).excluded).to.include({ penalized: 1 });
      // ...which penalty show must list. The tag rollout (created first, box after 3 failures)
      // targets the same image, and only the first rollout of an image is asked.
      const penalties = await json<DevicePenaltiesJson>(['penalty', 'show', VICTIM]);
      expect(penalties.penalties.map((one) => [one.file, one.version, one.failures])).to.deep.equal([
        [TARGET_FILE, '2.0.0', 1],
      ]);
    });
  });
});
