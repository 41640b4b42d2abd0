import { expect } from 'chai';
import { definitionOf, versionsOf } from '../../../src/cli/commands/rollout-commands.js';
import type { RolloutJson } from '../../../src/cli/rollout-api.js';
import {
  actedText,
  attemptsText,
  penaltiesText,
  previewText,
  rolloutTable,
  rolloutText,
  selectorText,
  waveBar,
} from '../../../src/cli/rollout-text.js';
import { CliFailure } from '../../../src/cli/exit-codes.js';
import { ATTEMPT_STATES } from '../../../src/domain/fleet/attempt-state.js';

type Attempts = RolloutJson['waves'][number]['attempts'];
const attempts = (some: Partial<Attempts> = {}): Attempts =>
  ({ ...Object.fromEntries(ATTEMPT_STATES.map((state) => [state, 0])), ...some }) as Attempts;

const NOW = Date.parse('2026-11-27T12:00:00.000Z');

function rollout(overrides: Partial<RolloutJson> = {}): RolloutJson {
  return {
    id: 'r-1',
    name: 'lamp 2.1',
    file: 'lamp/v2.1.bin',
    selector: { tagsAll: ['lamp'], tagsAny: [], devices: [], versions: '>=2.0.0', project: null, chip: 'esp32c3' },
    waves: [
      { percent: 1, devices: 10, attempts: attempts({ succeeded: 8, 'rolled-back': 1, downloading: 1 }) },
      { percent: 10, devices: 100, attempts: attempts({ offered: 5 }) },
      { percent: 100, devices: 1000, attempts: attempts() },
    ],
    advance: null,
    maxInFlight: 50,
    maxOffersPerMinute: 60,
    halt: { failurePercent: 20, failureCount: 10, minResolved: 10 },
    penalty: { failures: 3, hours: 24 },
    allowDowngrade: false,
    priority: 0,
    includeUnknownImages: false,
    state: 'running',
    wave: 1,
    inFlight: 6,
    offersLastMinute: 5,
    current: { resolved: 9, succeeded: 8, failed: 1, provisional: 0, quiet: 0, failurePercent: 11.11 },
    countingSince: '2026-11-27T11:30:00.000Z',
    haltReason: null,
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T11:55:00.000Z',
    startedAt: '2026-11-27T11:00:00.000Z',
    waveStartedAt: '2026-11-27T11:30:00.000Z',
    resumedAt: null,
    endedAt: null,
    ...overrides,
  };
}

describe('cli: rollout text', () => {
  describe('a wave as a progress bar', () => {
    it('draws succeeded, in flight and failed attempts as segments against the wave, the rest dotted', () => {
      expect(waveBar(attempts({ succeeded: 5, downloading: 2, refused: 1 }), 20, 20)).to.equal(
        `${'█'.repeat(5)}${'▒'.repeat(2)}x${'·'.repeat(12)}`,
      );
    });

    it('shows a single failure among many, and fills the whole bar once every device has an attempt', () => {
      const bar = waveBar(attempts({ succeeded: 999, silent: 1 }), 1000, 10);
      expect(bar).to.equal(`${'█'.repeat(9)}x`);
      expect(waveBar(attempts({ succeeded: 1, offered: 1, 'rolled-back': 1 }), 3, 10))
        .to.have.length(10)
        .and.not.include('·');
    });

    it('is all dots for a wave nobody was offered yet, and never longer than its width', () => {
      expect(waveBar(attempts(), 0, 8)).to.equal('········');
      expect(waveBar(attempts({ succeeded: 2 }), 10, 10, 5)).to.equal('-----██···');
      expect(waveBar(attempts(), 50, 8)).to.equal('········');
      // More attempts than devices now (devices left the selection): scaled to the attempts.
      expect(waveBar(attempts({ succeeded: 30, 'download-failed': 30, provisional: 30 }), 10, 9)).to.equal('███▒▒▒xxx');
    });
  });

  it('says the attempts of a wave in words, empty groups left out', () => {
    expect(attemptsText(attempts())).to.equal('no attempts');
    expect(attemptsText(attempts({ succeeded: 7, provisional: 1, downloading: 1, refused: 3 }))).to.equal(
      '7 succeeded, 2 in flight, 3 failed',
    );
    // Offers a halt took back: no group of the bar's, said all the same (they read "no attempts").
    expect(attemptsText(attempts({ withdrawn: 2 }))).to.equal('2 withdrawn');
    expect(attemptsText(attempts({ succeeded: 1, withdrawn: 2 }))).to.equal('1 succeeded, 2 withdrawn');
  });

  it('says the selector by what narrows', () => {
    expect(selectorText(rollout().selector)).to.equal('tags all lamp; versions >=2.0.0; chip esp32c3');
    expect(selectorText({ tagsAll: [], tagsAny: [], devices: [], versions: null, project: null, chip: null })).to.equal(
      'every device',
    );
    expect(
      selectorText({
        tagsAll: [],
        tagsAny: ['a', 'b'],
        devices: ['d1'],
        versions: ['1.0', '1.1'],
        project: 'p',
        chip: null,
      }),
    ).to.equal('tags any a,b; devices d1; versions 1.0,1.1; project p');
  });

  it('shows a rollout: where it stands, its rules, and a bar per wave with the current one marked', () => {
    const text = rolloutText(rollout(), NOW, undefined);
    const lines = text.split('\n');
    expect(lines[0]).to.equal('r-1  lamp 2.1');
    expect(lines).to.include('  state:      running, wave 2 of 3 (10%)');
    expect(lines).to.include('  in flight:  6 of at most 50; offers in the last minute 5 of at most 60');
    expect(lines).to.include('  this wave:  9 resolved: 8 succeeded, 1 failed (11.11%)');
    const third = rollout({
      current: { resolved: 3, succeeded: 2, failed: 1, provisional: 0, quiet: 0, failurePercent: 100 / 3 },
    });
    expect(rolloutText(third, NOW, undefined).split('\n')).to.include(
      '  this wave:  3 resolved: 2 succeeded, 1 failed (33.33%)',
    );
    const booted = rollout({
      current: { resolved: 3, succeeded: 2, failed: 1, provisional: 5, quiet: 0, failurePercent: 12.5 },
    });
    expect(rolloutText(booted, NOW, undefined).split('\n')).to.include(
      '  this wave:  3 resolved: 2 succeeded, 1 failed (12.5% of 8, with 5 that booted it, not yet confirmed)',
    );
    const resumed = rollout({ resumedAt: '2026-11-27T11:50:00.000Z', countingSince: '2026-11-27T11:50:00.000Z' });
    expect(rolloutText(resumed, NOW, undefined).split('\n')).to.include(
      '  this wave:  9 resolved: 8 succeeded, 1 failed (11.11%), counted since the resume 10m ago',
    );
    expect(lines).to.include('  advance:    manual');
    expect(lines).to.include('  started:    1h ago (2026-11-27T11:00:00.000Z)');
    const waves = lines.slice(lines.indexOf('Waves (cumulative):') + 1);
    expect(waves[0]).to.equal(
      `    1  1%    ${'█'.repeat(32)}${'▒'.repeat(4)}${'x'.repeat(4)}  10 devices: 8 succeeded, 1 in flight, 1 failed`,
    );
    // The devices offered in earlier waves are drawn as such, not as not offered (found by a new user).
    expect(waves[1]).to.match(/^ {2}> 2 {2}10% {3}-{4}▒▒·+ {2}100 devices: 5 in flight; 10 in earlier waves$/);
    expect(waves[2]).to.match(/^ {4}3 {2}100% {2}-·+ {2}1000 devices: no attempts; 15 in earlier waves$/);
    expect(waves[3]).to.equal('  █ succeeded  ▒ in flight  x failed  - in earlier waves  · not offered');
  });

  it('says why a halted rollout halted, and marks no wave of a draft', () => {
    const halted = rolloutText(
      rollout({
        state: 'halted',
        haltReason: {
          kind: 'failure-count',
          text: '10 of 90 devices failed (11.11%), at or over the threshold of 10 failures',
          resolved: 90,
          succeeded: 80,
          failed: 10,
          provisional: 0,
          waveDevices: null,
          failurePercent: 20,
          failureCount: 10,
        },
      }),
      NOW,
      100,
    );
    expect(halted).to.include(
      '  halted:     10 of 90 devices failed (11.11%), at or over the threshold of 10 failures',
    );
    const draft = rolloutText(rollout({ state: 'draft', wave: 0, startedAt: null }), NOW, undefined);
    expect(draft).to.include('  state:      draft\n');
    expect(draft).not.to.match(/^ {2}>/m);
  });

  it('lists rollouts as a table', () => {
    expect(
      rolloutTable(
        [rollout(), rollout({ id: 'r-2', state: 'draft', current: { ...rollout().current, failurePercent: null } })],
        NOW,
      ).split('\n'),
    ).to.deep.equal([
      'ID   NAME      STATE    WAVE          FILE           IN FLIGHT  FAILED  WAVE FAILED  UPDATED',
      'r-1  lamp 2.1  running  2 of 3 (10%)  lamp/v2.1.bin  6/50       1       1 (11.11%)   5m ago',
      'r-2  lamp 2.1  draft    - of 3        lamp/v2.1.bin  6/50       1       -            5m ago',
    ]);
    expect(rolloutTable([], NOW)).to.equal('no rollouts');
  });

  it('shows a preview: the rules that exclude devices, and the devices of each wave', () => {
    const text = previewText({
      selected: 120,
      eligible: 100,
      excluded: {
        held: 2,
        'device-row': 0,
        penalized: 0,
        'unknown-image': 18,
        'other-chip': 0,
        'other-project': 0,
        'already-running': 0,
        'lower-secure-version': 0,
        downgrade: 0,
        'unknown-version-order': 0,
        'rolled-back-before': 0,
      },
      waves: [
        { percent: 10, devices: 9 },
        { percent: 100, devices: 100 },
      ],
      unseen: [],
    });
    expect(text.split('\n')).to.deep.equal([
      'selected:  120 devices',
      'eligible:  100',
      'excluded (a device may count under several rules):',
      '  held           2',
      '  unknown-image  18',
      'waves (cumulative):',
      '  1  10%   9 devices',
      '  2  100%  100 devices',
    ]);
  });

  it('names the listed devices no poll has shown, ten of them at most', () => {
    const preview = {
      selected: 1,
      eligible: 1,
      excluded: {},
      waves: [{ percent: 100, devices: 1 }],
    } as unknown as Parameters<typeof previewText>[0];
    expect(
      previewText({ ...preview, unseen: ['esp-typo'] })
        .split('\n')
        .at(-1),
    ).to.equal('listed but never seen: 1 (esp-typo); offered when they poll, and the last wave waits for them');
    const many = Array.from({ length: 12 }, (_, i) => `esp-${i}`);
    expect(
      previewText({ ...preview, unseen: many })
        .split('\n')
        .at(-1),
    ).to.equal(
      `listed but never seen: 12 (${many.slice(0, 10).join(', ')} and 2 more); offered when they poll, and the last wave waits for them`,
    );
    expect(previewText({ ...preview, unseen: [] })).not.to.include('never seen');
  });

  it("shows a device's penalty box", () => {
    expect(penaltiesText({ device: 'd1', rolledBack: [], penalties: [] }, NOW)).to.equal('d1: not in the penalty box');
    // Out of the box, yet kept from the versions that rolled back: said, or nothing says why.
    expect(penaltiesText({ device: 'd1', rolledBack: ['2.0', '2.1'], penalties: [] }, NOW)).to.equal(
      'd1: not in the penalty box\nrolled back before, not offered again by a rollout until cleared: 2.0, 2.1',
    );
    expect(
      penaltiesText(
        {
          device: 'd1',
          rolledBack: [],
          penalties: [
            {
              file: 'lamp/v2.1.bin',
              version: '2.1',
              failures: 3,
              lastFailureAt: '2026-11-27T11:00:00.000Z',
              until: '2026-11-28T11:00:00.000Z',
            },
          ],
        },
        NOW,
      ),
    ).to.equal('d1: in the penalty box for\n  lamp/v2.1.bin  2.1  3 failures  until 2026-11-28T11:00:00.000Z (in 23h)');
  });
});

describe('cli: an action on a rollout', () => {
  it('says when a resume ended halted again at once, and nothing more otherwise', () => {
    const halted = rollout({ state: 'halted' });
    expect(actedText('resume', halted, NOW, undefined)).to.equal(
      `resumed, and halted again at once: the failures counted so far break its halt rule\n${rolloutText(halted, NOW, undefined)}`,
    );
    expect(actedText('resume', rollout(), NOW, undefined)).to.equal(rolloutText(rollout(), NOW, undefined));
    expect(actedText('pause', rollout({ state: 'paused' }), NOW, undefined)).to.not.include('halted again');
  });
});

describe('cli: rollout create', () => {
  it('builds the definition from flags, versions as a range or a list', () => {
    expect(
      definitionOf(
        {
          name: 'n',
          file: 'f.bin',
          waves: [5, 100],
          tagsAll: ['a'],
          versions: '>=1.0.0 <2',
          maxInFlight: 3,
          allowDowngrade: true,
        },
        () => expect.fail('no file read'),
      ),
    ).to.deep.equal({
      name: 'n',
      file: 'f.bin',
      waves: [5, 100],
      selector: { tagsAll: ['a'], versions: '>=1.0.0 <2' },
      maxInFlight: 3,
      allowDowngrade: true,
    });
    expect(versionsOf('1.0, 1.1')).to.deep.equal(['1.0', '1.1']);
    expect(versionsOf('v2.0.0')).to.deep.equal(['v2.0.0']);
    expect(versionsOf('^1.4')).to.equal('^1.4');
    expect(versionsOf('1.x')).to.equal('1.x');
  });

  it('sets the halt, advance and penalty rules from flags, field by field over the file', () => {
    const file = JSON.stringify({ name: 'n', file: 'f.bin', halt: { failureCount: 2 }, advance: { soakMinutes: 5 } });
    expect(
      definitionOf(
        {
          definition: 'd.json',
          haltFailurePercent: 12.5,
          haltMinResolved: 4,
          advanceSuccessPercent: 90,
          penaltyFailures: 5,
          penaltyHours: 1.5,
        },
        () => file,
      ),
    ).to.deep.equal({
      name: 'n',
      file: 'f.bin',
      halt: { failureCount: 2, failurePercent: 12.5, minResolved: 4 },
      advance: { soakMinutes: 5, successPercent: 90 },
      penalty: { failures: 5, hours: 1.5 },
    });
    expect(definitionOf({ definition: 'd.json', manual: true }, () => file)).to.include({ advance: null });
    expect(() => definitionOf({ definition: 'd.json', manual: true, advanceMinResolved: 3 }, () => file)).to.throw(
      CliFailure,
      '--manual and the --advance-* flags exclude each other',
    );
  });

  it('sets flags over a --definition file, and refuses a file that is not a JSON object', () => {
    const file = JSON.stringify({
      name: 'from file',
      file: 'f.bin',
      selector: { chip: 'esp32' },
      halt: { failureCount: 2 },
    });
    expect(definitionOf({ definition: 'd.json', name: 'flag', project: 'lamp' }, () => file)).to.deep.equal({
      name: 'flag',
      file: 'f.bin',
      selector: { chip: 'esp32', project: 'lamp' },
      halt: { failureCount: 2 },
    });
    expect(() => definitionOf({ definition: 'd.json' }, () => '[1]')).to.throw(CliFailure, 'not a JSON object');
    expect(() => definitionOf({ definition: 'd.json' }, () => '{')).to.throw(CliFailure, '--definition d.json');
    expect(() => definitionOf({ name: 'n' }, () => '')).to.throw(CliFailure, 'give --name and --file');
  });
});
