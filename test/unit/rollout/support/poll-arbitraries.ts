import fc from 'fast-check';
import type { DeviceId } from '../../../../src/domain/device-id.js';
import type { AttemptState } from '../../../../src/domain/fleet/attempt-state.js';
import type { RolloutCandidate } from '../../../../src/domain/rollout/offer-decision.js';
import type { VersionFilter } from '../../../../src/domain/rollout/rollout-definition.js';
import type { RolloutDevice } from '../../../../src/domain/rollout/rollout-device.js';
import { ROLLOUT_STATES, type RolloutState } from '../../../../src/domain/rollout/rollout-state.js';
import type { UpdateFilePath } from '../../../../src/domain/update-file-path.js';
import { HOUR, image, rollout, rolloutId, T0 } from './rollout-fixtures.js';

/*
 * Polls for the decision's properties: a device and up to four rollouts, drawn from small pools
 * of versions, build dates, files and ids so that they often meet (the same image, the same
 * version, a rollout that holds the device's open attempt).
 */

export const VERSIONS = ['1.0.0', '2.0.0', 'v2.0.0', '2.1.0', '3.0.0', 'nightly-1', 'nightly-2'];
export const DATES = ['Jan  1 2026', 'Mar  1 2026', 'Jun  1 2026', 'unknown'];
const FILES = ['fw/a.bin', 'fw/b.bin', 'fw/c.bin'] as UpdateFilePath[];
export const FAILED: AttemptState[] = ['rolled-back', 'download-failed', 'refused', 'silent'];

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

export const devices: fc.Arbitrary<RolloutDevice> = fc.record({
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

export const candidates: fc.Arbitrary<RolloutCandidate[]> = fc
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
