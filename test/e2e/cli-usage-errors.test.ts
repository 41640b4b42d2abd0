import { expect } from 'chai';
import type { CliBench, CliResult } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';

/** A new user's try of the command line's mistakes: each a usage error (exit 2) that says what is wrong. */
describe('e2e: fuota usage errors', () => {
  let bench: CliBench;

  before(async () => {
    bench = await startCliBench();
  });
  after(() => bench.stop());

  const usageJson = (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(2);
    return JSON.parse(result.stdout) as { error: string; exitCode: number; problem: unknown };
  };

  it("--json: the argument parser's errors are the same JSON on stdout as the CLI's own (they printed nothing there)", async () => {
    const cases: Array<[string[], string]> = [
      [['devices', '--limit', '0', '--json'], "option '--limit <n>' argument '0' is invalid"],
      [['--json', 'devices', '--bogus'], "unknown option '--bogus'"],
      [['devices', '--bogus', '--json'], "unknown option '--bogus'"],
      [['rollout', 'create', '--max-in-flight', 'abc', '--json'], "option '--max-in-flight <n>' argument 'abc'"],
      [['--json', 'bogus'], "unknown command 'bogus'"],
    ];
    for (const [args, error] of cases) {
      const answer = usageJson(await bench.fuota(args));
      expect(answer.error, args.join(' '))
        .to.include(error)
        .and.not.match(/^error: /);
      expect(answer).to.include({ exitCode: 2, problem: null });
    }
    // And as before, the CLI's own.
    expect(usageJson(await bench.fuota(['--json', 'download', 'x.bin', '-o', '-'])).error).to.include('choose one');
  });

  it('--seen-after a span back before 1970: a usage error saying so (it was "Invalid time value", exit 1)', async () => {
    for (const span of ['99999999999d', '100000d']) {
      const result = await bench.fuota(['devices', '--seen-after', span]);
      expect([result.code, result.stderr]).to.deep.equal([
        2,
        `fuota: --seen-after: "${span}" reaches back before 1970, before any device was seen: give a shorter span or an ISO 8601 time\n`,
      ]);
    }
  });

  it('--max-in-flight past 2^53 - 1: a usage error naming that bound (it was refused as "an integer of at least 1")', async () => {
    const result = await bench.fuota([
      'rollout',
      'create',
      '--name',
      'x',
      '--file',
      'a.bin',
      '--max-in-flight',
      '99999999999999999999',
    ]);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.include(
      "option '--max-in-flight <n>' argument '99999999999999999999' is invalid. a whole number of at most 9007199254740991",
    );
  });

  it('a malformed rollout id: exit 5 with the rule, as a malformed device id (it was exit 4, not found)', async () => {
    const rollout = await bench.fuota(['rollout', 'show', 'bad id!']);
    expect([rollout.code, rollout.stderr]).to.deep.equal([
      5,
      'fuota: bad id! is not a rollout id: rollout id must be 1-32 characters of A-Z a-z 0-9 _ -\n',
    ]);
    expect((await bench.fuota(['device', 'bad id!'])).code).to.equal(5);
    // A well-formed id no rollout has is still not found.
    expect((await bench.fuota(['rollout', 'show', 'r-none'])).code).to.equal(4);
  });

  it('an unknown command with --help: says it is unknown, exit 2 (it printed the top-level help, exit 0)', async () => {
    for (const args of [
      ['bogus', '--help'],
      ['rollout', 'bogus', '-h'],
    ]) {
      const result = await bench.fuota(args);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr).to.match(/^error: unknown command '(rollout )?bogus'/);
    }
    const known = await bench.fuota(['--url', 'https://localhost:1', 'rollout', '--help']);
    expect(known.code).to.equal(0);
    expect(known.stdout).to.match(/^Usage: fuota rollout/);
  });
});
