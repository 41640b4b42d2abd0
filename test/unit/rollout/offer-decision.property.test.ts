import { expect } from 'chai';
import fc from 'fast-check';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { AttemptState } from '../../../src/domain/fleet/attempt-state.js';
import {
  decideRolloutOffer,
  type RolloutCandidate,
  type RolloutVerdict,
} from '../../../src/domain/rollout/offer-decision.js';
import { EXCLUSION_REASONS } from '../../../src/domain/rollout/offer-rules.js';
import type { VersionFilter } from '../../../src/domain/rollout/rollout-definition.js';
import { ROLLOUT_STATES, type RolloutState } from '../../../src/domain/rollout/rollout-state.js';
import type { RolloutDevice } from '../../../src/domain/rollout/rollout-device.js';
import { waveBucket } from '../../../src/domain/rollout/wave-bucket.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';
import { HOUR, image, rollout, rolloutId, T0 } from './support/rollout-fixtures.js';

const VERSIONS = ['1.0.0', '2.0.0', 'v2.0.0', '2.1.0', '3.0.0', 'nightly-1', 'nightly-2'];
const DATES = ['Jan  1 2026', 'Mar  1 2026', 'Jun  1 2026', 'unknown'];
const FILES = ['fw/a.bin', 'fw/b.bin', 'fw/c.bin'] as UpdateFilePath[];
const FAILED: AttemptState[] = ['rolled-back', 'download-failed', 'refused', 'silent'];

/** `usual` 9 times in 10, else something drawn from `other`: most draws pass a rule, so that the others decide. */
const mostly = <T>(usual: T, other: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: fc.constant(usual), weight: 9 }, { arbitrary: other, weight: 1 });

const facts = fc.record({
  version: fc.constantFrom(...VERSIONS),
  project: mostly('sensor', fc.constant('gateway')),
  chip: mostly('esp32', fc.constant('esp32c3')),
  secureVersion: mostly(1, fc.integer({ min: 0, max: 2 })),
  compileDate: fc.constantFrom(...DATES),
  compileTime: fc.constant('12:00:00'),
});

const devices: fc.Arbitrary<RolloutDevice> = fc.record({
  id: fc.constantFrom('esp-1', 'esp-2', 'esp-3', 'esp-4') as fc.Arbitrary<DeviceId>,
  tags: mostly(['lab', 'eu'], fc.subarray(['lab', 'eu', 'us'])),
  runningVersion: fc.constantFrom(...VERSIONS),
  runningImage: fc.option(
    facts.map((f) => image(f)),
    { freq: 5 },
  ),
  hold: mostly(false, fc.constant(true)),
  rolledBackVersions: mostly(
    new Set<string>(),
    fc.subarray(VERSIONS).map((list) => new Set(list)),
  ),
  attempts: fc.array(
    fc.record({
      file: fc.constantFrom(...FILES),
      version: fc.constantFrom<string | null>(...VERSIONS, null),
      state: fc.constantFrom<AttemptState>(...FAILED, 'succeeded'),
      updatedAt: fc.integer({ min: T0 - 48 * HOUR, max: T0 }),
    }),
    { maxLength: 6 },
  ),
  penaltyClearedAt: fc.option(fc.integer({ min: T0 - 48 * HOUR, max: T0 })),
  openAttempt: mostly(
    null,
    fc.record({
      id: fc.constant('a-1'),
      rolloutId: fc.option(fc.constantFrom('r-0', 'r-1', 'r-2').map(rolloutId)),
      state: fc.constantFrom<AttemptState>('offered', 'downloading', 'provisional'),
    }),
  ),
});

const candidates: fc.Arbitrary<RolloutCandidate[]> = fc
  .uniqueArray(fc.constantFrom('r-0', 'r-1', 'r-2', 'r-3'), { maxLength: 4 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc
          .record({
            state: mostly<RolloutState>('running', fc.constantFrom(...ROLLOUT_STATES)),
            waves: fc.constantFrom([100], [100], [50, 100], [1, 10, 50, 100], [0.01]),
            waveIndex: fc.nat(3),
            selector: fc.record({
              tagsAll: mostly([], fc.subarray(['lab', 'eu'], { maxLength: 1 })),
              tagsAny: mostly([], fc.subarray(['lab', 'us'])),
              devices: mostly([], fc.subarray(['esp-1', 'esp-2', 'esp-3'])),
              versions: mostly<VersionFilter>(null, fc.constantFrom('>=2.0.0', ['1.0.0', '2.0.0', 'nightly-1'])),
            }),
            allowDowngrade: fc.boolean(),
            includeUnknownImages: fc.boolean(),
            priority: fc.integer({ min: 0, max: 2 }),
            penalty: fc.record({ failures: fc.integer({ min: 1, max: 3 }), hours: fc.integer({ min: 1, max: 48 }) }),
            maxInFlight: fc.integer({ min: 1, max: 3 }),
            maxOffersPerMinute: fc.integer({ min: 1, max: 3 }),
            file: fc.constantFrom(...FILES),
            facts,
            inFlight: mostly(0, fc.nat(3)),
            recentOffers: mostly([], fc.array(fc.integer({ min: T0 - 120_000, max: T0 }), { maxLength: 4 })),
          })
          .map(
            ({ state, waveIndex, facts: image, file, inFlight, recentOffers, waves, ...input }): RolloutCandidate => ({
              rollout: rollout({ ...input, waves, file }, state, Math.min(waveIndex, waves.length - 1), rolloutId(id)),
              target: { file, image },
              caps: { inFlight, recentOffers },
            }),
          ),
      ),
    ),
  );

const ALL_VERDICTS: readonly RolloutVerdict[] = [
  'offer',
  'repeat-offer',
  'paused',
  'halted',
  'not-running',
  'not-selected',
  ...EXCLUSION_REASONS,
  'open-attempt',
  'outranked',
  'not-in-wave',
  'over-in-flight-cap',
  'over-offer-rate-cap',
];

/** Whether a version is plain x.y.z once one leading v is taken off, and its parts. */
const semver = (version: string): number[] | null => {
  const bare = version.startsWith('v') ? version.slice(1) : version;
  return /^\d+\.\d+\.\d+$/.test(bare) ? bare.split('.').map(Number) : null;
};
const compareParts = (a: number[], b: number[]) => a.map((x, i) => x - (b[i] ?? 0)).find((d) => d !== 0) ?? 0;

/**
 * What keeps a rollout from offering to a device, written out from the issue rather than from the
 * code (state, selector, every rule, hold, penalty box), wave and caps aside.
 */
function violations(device: RolloutDevice, { rollout: r, target }: RolloutCandidate): string[] {
  const found: string[] = [];
  const { selector, allowDowngrade, includeUnknownImages, penalty } = r.definition;
  const t = target.image;
  const run = device.runningImage;
  if (r.state !== 'running') found.push('not running');
  if (!selector.tagsAll.every((tag) => device.tags.includes(tag))) found.push('tagsAll');
  if (selector.tagsAny.length > 0 && !selector.tagsAny.some((tag) => device.tags.includes(tag))) found.push('tagsAny');
  if (selector.devices.length > 0 && !selector.devices.includes(device.id)) found.push('devices');
  if (Array.isArray(selector.versions) && !selector.versions.includes(device.runningVersion)) found.push('versions');
  if (typeof selector.versions === 'string') {
    const parts = semver(device.runningVersion);
    if (parts === null || compareParts(parts, [2, 0, 0]) < 0) found.push('versions');
  }
  if (device.hold) found.push('held');
  if (run === null && !includeUnknownImages) found.push('unknown image');
  if (run !== null && (run.chip !== t.chip || run.project !== t.project)) found.push('chip or project');
  const [runs, offers] = [semver(device.runningVersion), semver(t.version)];
  const same =
    device.runningVersion === t.version || (runs !== null && offers !== null && compareParts(runs, offers) === 0);
  if (same) found.push('already running');
  if (run !== null && t.secureVersion < run.secureVersion) found.push('secure version');
  if (!same && !allowDowngrade) {
    if (runs !== null && offers !== null) {
      if (compareParts(offers, runs) < 0) found.push('downgrade');
    } else if (run === null || run.compileDate === 'unknown' || t.compileDate === 'unknown') {
      found.push('order unknown');
    } else if (DATES.indexOf(t.compileDate) < DATES.indexOf(run.compileDate)) found.push('downgrade');
  }
  if (device.rolledBackVersions.has(t.version)) found.push('rolled back');
  const failures = device.attempts.filter(
    (a) =>
      a.file === target.file &&
      a.version === t.version &&
      FAILED.includes(a.state) &&
      (device.penaltyClearedAt === null || a.updatedAt > device.penaltyClearedAt),
  );
  const last = Math.max(...failures.map((a) => a.updatedAt));
  if (failures.length >= penalty.failures && T0 < last + penalty.hours * HOUR) found.push('penalized');
  return found;
}

describe('rollout offer decision (properties)', () => {
  it('draws polls that meet every verdict (so the properties below are not vacuous)', () => {
    const seen = new Set<string>();
    for (const [device, list] of fc.sample(fc.tuple(devices, candidates), { numRuns: 5_000, seed: 17 })) {
      for (const { verdict } of decideRolloutOffer(device, list, scheme, T0).verdicts) seen.add(verdict);
    }
    expect([...seen].sort()).to.deep.equal([...ALL_VERDICTS].sort());
  });

  it('never offers against a rule, outside the wave, over a cap, or beside an open attempt; and offers the top-priority rollout', () => {
    let offers = 0;
    fc.assert(
      fc.property(devices, candidates, (device, list) => {
        const decision = decideRolloutOffer(device, list, scheme, T0);
        expect(decision.verdicts.map((v) => v.rolloutId).sort()).to.deep.equal(list.map((c) => c.rollout.id).sort());
        const offering = decision.verdicts.filter((v) => v.verdict === 'offer' || v.verdict === 'repeat-offer');
        expect(offering.length).to.equal(decision.offer === null ? 0 : 1);
        if (decision.offer === null) return;
        offers += 1;
        const chosen = list.find((c) => c.rollout.id === decision.offer?.rolloutId);
        if (chosen === undefined) return expect.fail('the offer names no candidate');
        expect(decision.offer.target).to.equal(chosen.target);
        expect(violations(device, chosen)).to.deep.equal([]);
        const percent = chosen.rollout.definition.waves[chosen.rollout.wave] ?? 0;
        expect(waveBucket(chosen.rollout.id, device.id)).to.be.below(Math.round(percent * 100));
        if (decision.offer.repeatOf === null) {
          expect(device.openAttempt).to.equal(null);
          const { maxInFlight, maxOffersPerMinute } = chosen.rollout.definition;
          expect(chosen.caps.inFlight).to.be.below(maxInFlight);
          expect(chosen.caps.recentOffers.filter((at) => T0 - at < 60_000).length).to.be.below(maxOffersPerMinute);
        } else {
          expect(device.openAttempt).to.deep.include({
            id: decision.offer.repeatOf,
            rolloutId: chosen.rollout.id,
            state: 'offered',
          });
        }
        // A new offer comes from the highest priority that wants the device (a repeated one keeps its rollout).
        if (decision.offer.repeatOf !== null) return;
        const wanting = list.filter((c) => violations(device, c).length === 0);
        const top = Math.max(...wanting.map((c) => c.rollout.definition.priority));
        expect(chosen.rollout.definition.priority).to.equal(top);
      }),
      { numRuns: 3_000 },
    );
    // Not vacuous: a fair share of the drawn polls got an offer (about one in six).
    expect(offers).to.be.above(200);
  });

  it('decides the same for the same facts, whatever order the rollouts come in', () => {
    fc.assert(
      fc.property(
        devices,
        candidates.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length }))),
        (device, [list, shuffled]) => {
          const decision = decideRolloutOffer(device, list, scheme, T0);
          expect(decideRolloutOffer(device, list, scheme, T0)).to.deep.equal(decision);
          expect(decideRolloutOffer(device, shuffled, scheme, T0)).to.deep.equal(decision);
        },
      ),
    );
  });
});
