import { expect } from 'chai';
import type { ImageFacts } from '../../../src/domain/rollout/image-facts.js';
import { EXCLUSION_REASONS, exclusionsOf, type OfferRuleOptions } from '../../../src/domain/rollout/offer-rules.js';
import type { RolloutId } from '../../../src/domain/rollout/rollout-id.js';
import type { RolloutDevice } from '../../../src/domain/rollout/rollout-device.js';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';
import { device, HOUR, image, T0, target, TARGET_FILE } from './support/rollout-fixtures.js';

const OPTIONS: OfferRuleOptions = {
  allowDowngrade: false,
  includeUnknownImages: false,
  penalty: { failures: 3, hours: 24 },
};

const exclusions = (
  overrides: Partial<RolloutDevice> = {},
  targetFacts: Partial<ImageFacts> = {},
  options: Partial<OfferRuleOptions> = {},
) => exclusionsOf(device(overrides), target(targetFacts), { ...OPTIONS, ...options }, scheme, T0);

/** A running image of `version`, built on `compileDate`. */
const running = (version: string, compileDate = 'Jan  2 2026'): Partial<RolloutDevice> => ({
  runningVersion: version,
  runningImage: image({ version, compileDate }),
});

describe('offer rules', () => {
  it('let an upgrade of the same chip and project through', () => {
    expect(exclusions()).to.deep.equal([]);
  });

  it("held: an operator's hold", () => {
    expect(exclusions({ hold: true })).to.deep.equal(['held']);
  });

  it('penalized: three failures of the target in the last 24 hours', () => {
    const failed = (at: number) => ({
      file: TARGET_FILE,
      version: '2.0.0',
      state: 'rolled-back' as const,
      updatedAt: at,
    });
    const attempts = [failed(T0 - 3 * HOUR), failed(T0 - 2 * HOUR), failed(T0 - HOUR)];
    expect(exclusions({ attempts })).to.deep.equal(['penalized']);
    expect(exclusions({ attempts, penaltyClearedAt: T0 - HOUR })).to.deep.equal([]);
  });

  it('unknown-image: skipped unless the rollout includes unknown images; then the version rules still apply', () => {
    expect(exclusions({ runningImage: null })).to.deep.equal(['unknown-image']);
    expect(exclusions({ runningImage: null }, {}, { includeUnknownImages: true })).to.deep.equal([]);
    expect(
      exclusions({ runningImage: null, runningVersion: '3.0.0' }, {}, { includeUnknownImages: true }),
    ).to.deep.equal(['downgrade']);
    // Neither semver nor a running build time: the order is unknown, treated as a downgrade.
    expect(
      exclusions({ runningImage: null, runningVersion: 'nightly' }, {}, { includeUnknownImages: true }),
    ).to.deep.equal(['unknown-version-order']);
  });

  it('other-chip and other-project: the target must be built for what runs', () => {
    expect(exclusions({}, { chip: 'esp32c3' })).to.deep.equal(['other-chip']);
    expect(exclusions({}, { project: 'gateway' })).to.deep.equal(['other-project']);
  });

  it('already-running: the same version string, or the same semantic version', () => {
    expect(exclusions(running('2.0.0'))).to.deep.equal(['already-running']);
    expect(exclusions(running('v2.0.0'))).to.deep.equal(['already-running']);
    expect(exclusions(running('build-7'), { version: 'build-7' })).to.deep.equal(['already-running']);
  });

  it("lower-secure-version: never below the running image's secure_version, downgrades allowed or not", () => {
    expect(exclusions({ runningImage: image({ secureVersion: 2 }) }, { secureVersion: 1 })).to.deep.equal([
      'lower-secure-version',
    ]);
    expect(
      exclusions({ runningImage: image({ secureVersion: 2 }) }, { secureVersion: 1 }, { allowDowngrade: true }),
    ).to.deep.equal(['lower-secure-version']);
    expect(exclusions({ runningImage: image({ secureVersion: 1 }) }, { secureVersion: 2 })).to.deep.equal([]);
  });

  it('downgrade: by semver when both parse (a leading v allowed), unless allowed', () => {
    expect(exclusions(running('v2.1.0'))).to.deep.equal(['downgrade']);
    expect(exclusions(running('2.1.0'), {}, { allowDowngrade: true })).to.deep.equal([]);
    // semver wins over build times: 1.4.7 built after 2.0.0 is still older.
    expect(exclusions(running('2.1.0', 'Jan  1 2026'), { compileDate: 'Jun  1 2026' })).to.deep.equal(['downgrade']);
  });

  it('downgrade: by the build date and time when a version is not semver', () => {
    expect(exclusions(running('nightly', 'Apr  1 2026'), { compileDate: 'Mar  1 2026' })).to.deep.equal(['downgrade']);
    expect(exclusions(running('nightly', 'Feb  1 2026'), { compileDate: 'Mar  1 2026' })).to.deep.equal([]);
    // The same build time, another version: the times cannot order them (a CI stamping builds in
    // the same second, a fixed stamp), so the target may be older: not offered unless allowed.
    expect(exclusions(running('nightly', 'Mar  1 2026'), { compileDate: 'Mar  1 2026' })).to.deep.equal([
      'unknown-version-order',
    ]);
    expect(
      exclusions(running('nightly', 'Mar  1 2026'), { compileDate: 'Mar  1 2026' }, { allowDowngrade: true }),
    ).to.deep.equal([]);
  });

  it('unknown-version-order: neither semver nor build times say, and downgrades are not allowed', () => {
    expect(exclusions(running('nightly'), { compileDate: '?' })).to.deep.equal(['unknown-version-order']);
    expect(exclusions(running('nightly'), { compileDate: '?' }, { allowDowngrade: true })).to.deep.equal([]);
  });

  it("rolled-back-before: the target's version rolled back on this device", () => {
    expect(exclusions({ rolledBackVersions: new Set(['2.0.0']) })).to.deep.equal(['rolled-back-before']);
    expect(exclusions({ rolledBackVersions: new Set(['1.9.0']) })).to.deep.equal([]);
  });

  it("device-row: the device's own row offers it an update now (rows come first), not once it runs the row's image", () => {
    const rowAttempt = (state: 'offered' | 'downloading' | 'downloaded' | 'provisional') => ({
      openAttempt: { id: 'a-1', rolloutId: null, state },
    });
    for (const state of ['offered', 'downloading', 'downloaded'] as const)
      expect(exclusions(rowAttempt(state)), state).to.deep.equal(['device-row']);
    expect(exclusions(rowAttempt('provisional'))).to.deep.equal([]);
    // Another rollout's open attempt is no row's: the decision waits for it (open-attempt), no exclusion.
    expect(exclusions({ openAttempt: { id: 'a-1', rolloutId: 'r-9' as RolloutId, state: 'offered' } })).to.deep.equal(
      [],
    );
  });

  it('lists every rule that excludes, in the order of EXCLUSION_REASONS', () => {
    const all = exclusions({
      hold: true,
      openAttempt: { id: 'a-1', rolloutId: null, state: 'offered' },
      runningImage: image({ chip: 'esp32s3', project: 'x', secureVersion: 9, version: '3.0.0' }),
      runningVersion: '3.0.0',
      rolledBackVersions: new Set(['2.0.0']),
    });
    expect(all).to.deep.equal([
      'held',
      'device-row',
      'other-chip',
      'other-project',
      'lower-secure-version',
      'downgrade',
      'rolled-back-before',
    ]);
    expect(EXCLUSION_REASONS.filter((reason) => all.includes(reason))).to.deep.equal(all);
  });
});
