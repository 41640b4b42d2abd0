import { expect } from 'chai';
import {
  DEFAULT_ADVANCE_RULE,
  DEFAULT_HALT,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_OFFERS_PER_MINUTE,
  DEFAULT_PENALTY,
  DEFAULT_SELECTOR,
} from '../../../src/domain/rollout/rollout-defaults.js';
import type { RolloutInput } from '../../../src/domain/rollout/rollout-definition.js';
import { parseRolloutDefinition } from '../../../src/domain/rollout/rollout-validation.js';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';

const parse = (input: Partial<RolloutInput>) =>
  parseRolloutDefinition({ name: 'n', file: 'fw/a.bin', ...input }, scheme);

/** The paths of every problem of `input` (none: a valid definition). */
const problemPaths = (input: Partial<RolloutInput>): string[] => {
  const parsed = parse(input);
  if (parsed.ok) return [];
  expect(parsed.refusal.code).to.equal('invalid-rollout');
  return parsed.refusal.code === 'invalid-rollout' ? parsed.refusal.problems.map((p) => p.path.join('.')) : [];
};

describe('rollout definition: defaults', () => {
  it('fills every absent field with the documented default', () => {
    const parsed = parse({});
    expect(parsed.ok).to.equal(true);
    if (!parsed.ok) return;
    expect(parsed.definition).to.deep.equal({
      name: 'n',
      file: 'fw/a.bin',
      selector: DEFAULT_SELECTOR,
      waves: [1, 10, 50, 100],
      advance: null,
      maxInFlight: DEFAULT_MAX_IN_FLIGHT,
      maxOffersPerMinute: DEFAULT_MAX_OFFERS_PER_MINUTE,
      halt: DEFAULT_HALT,
      penalty: { failures: 3, hours: 24 },
      allowDowngrade: false,
      priority: 0,
      includeUnknownImages: false,
    });
    expect(DEFAULT_PENALTY).to.deep.equal({ failures: 3, hours: 24 });
  });

  it('fills the absent parts of a partly given nested object, and takes undefined as absent', () => {
    const parsed = parse({
      advance: { soakMinutes: 5 },
      halt: { failureCount: 3, minResolved: undefined },
      selector: { chip: 'esp32c3' },
    });
    if (!parsed.ok) throw new Error(parsed.refusal.message);
    expect(parsed.definition.advance).to.deep.equal({ ...DEFAULT_ADVANCE_RULE, soakMinutes: 5 });
    expect(parsed.definition.halt).to.deep.equal({ ...DEFAULT_HALT, failureCount: 3 });
    expect(parsed.definition.selector).to.deep.equal({ ...DEFAULT_SELECTOR, chip: 'esp32c3' });
  });

  it('keeps advance null (manual) when given as null', () => {
    const parsed = parse({ advance: null });
    expect(parsed.ok && parsed.definition.advance).to.equal(null);
  });
});

describe('rollout definition: validation', () => {
  it('accepts fractional percentages down to 0.01', () => {
    expect(problemPaths({ waves: [0.01, 0.5, 12.25, 100], halt: { failurePercent: 0.01 } })).to.deep.equal([]);
  });

  it('names each bad wave: out of (0, 100], finer than 0.01, not strictly increasing', () => {
    expect(problemPaths({ waves: [0, 10, 10, 100.5] })).to.deep.equal(['waves.0', 'waves.2', 'waves.3']);
    expect(problemPaths({ waves: [1, 0.005] })).to.deep.equal(['waves.1', 'waves.1']);
    expect(problemPaths({ waves: [50, 20] })).to.deep.equal(['waves.1']);
    expect(problemPaths({ waves: [] })).to.deep.equal(['waves']);
    expect(problemPaths({ waves: [Number.NaN] })).to.deep.equal(['waves.0']);
  });

  it('allows a last wave under 100% (a rollout meant to stop at a share)', () => {
    expect(problemPaths({ waves: [1, 10] })).to.deep.equal([]);
  });

  it('names every bad number at once', () => {
    const paths = problemPaths({
      name: '  ',
      file: '../etc/passwd',
      advance: { successPercent: 101, minResolved: 0, soakMinutes: -1 },
      maxInFlight: -1,
      maxOffersPerMinute: 1.5,
      halt: { failurePercent: 0, failureCount: 0, minResolved: -3 },
      penalty: { failures: 0, hours: 0 },
      priority: 0.5,
    });
    expect(paths).to.deep.equal([
      'name',
      'file',
      'advance.successPercent',
      'advance.minResolved',
      'advance.soakMinutes',
      'maxInFlight',
      'maxOffersPerMinute',
      'halt.failurePercent',
      'halt.failureCount',
      'halt.minResolved',
      'penalty.failures',
      'penalty.hours',
      'priority',
    ]);
  });

  it('refuses times that would leave the range of a date: a penalty over ten years, a soak over a year', () => {
    expect(problemPaths({ penalty: { failures: 3, hours: 2.5e9 } })).to.deep.equal(['penalty.hours']);
    expect(problemPaths({ penalty: { failures: 3, hours: 87_600 } })).to.deep.equal([]);
    expect(problemPaths({ advance: { successPercent: 90, minResolved: 1, soakMinutes: 525_601 } })).to.deep.equal([
      'advance.soakMinutes',
    ]);
  });

  it('refuses a name with control characters or over 100 characters', () => {
    expect(problemPaths({ name: 'a\nb' })).to.deep.equal(['name']);
    expect(problemPaths({ name: 'x'.repeat(101) })).to.deep.equal(['name']);
    // Half a surrogate pair is no text (stored as UTF-8 it came back as U+FFFD); a whole pair is.
    expect(problemPaths({ name: 'lamp \ud83d' })).to.deep.equal(['name']);
    expect(problemPaths({ name: 'lamp \ude80 2' })).to.deep.equal(['name']);
    expect(problemPaths({ name: 'lamp \ud83d\ude80' })).to.deep.equal([]);
  });

  it('checks the selector: tags, device ids, versions (range or list), project, chip', () => {
    const paths = problemPaths({
      selector: {
        tagsAll: ['ok', 'has space'],
        tagsAny: [''],
        devices: ['esp-1', 'bad/id'],
        versions: '~1.2',
        project: '',
        chip: 'esp8266',
      },
    });
    expect(paths).to.deep.equal([
      'selector.tagsAll.1',
      'selector.tagsAny.0',
      'selector.devices.1',
      'selector.versions',
      'selector.project',
      'selector.chip',
    ]);
    expect(problemPaths({ selector: { versions: ['1.0.0', 'x"y'] } })).to.deep.equal(['selector.versions.1']);
    expect(problemPaths({ selector: { versions: '>=1.2.0 <2.0.0', chip: 'esp32s3' } })).to.deep.equal([]);
  });

  it('says what is wrong in one message, field by field', () => {
    const parsed = parse({ waves: [10, 5] });
    expect(parsed.ok).to.equal(false);
    if (!parsed.ok) expect(parsed.refusal.message).to.match(/^waves\.1: waves must be strictly increasing/);
  });
});
