import { expect } from 'chai';
import type { AttemptCounts, RolloutView } from '../../../src/app/rollout/rollout-operations.js';
import { rolloutPatchSchema, rolloutViewSchema } from '../../../src/adapters/inbound/http/rollout-schemas.js';
import {
  devicePenaltiesView,
  patchedDefinition,
  rolloutDeviceView,
  rolloutView,
} from '../../../src/adapters/inbound/http/rollout-views.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { ATTEMPT_STATES } from '../../../src/domain/fleet/attempt-state.js';
import { withRolloutDefaults } from '../../../src/domain/rollout/rollout-defaults.js';
import { definition, HOUR, rollout, T0 } from '../rollout/support/rollout-fixtures.js';

const counts = (some: Partial<AttemptCounts> = {}): AttemptCounts =>
  ({ ...Object.fromEntries(ATTEMPT_STATES.map((state) => [state, 0])), ...some }) as AttemptCounts;

function viewOf(overrides: Partial<RolloutView> = {}): RolloutView {
  const halted = {
    ...rollout({ waves: [5, 100], selector: { tagsAll: ['lamp'], versions: ['1.0'] } }, 'halted', 0),
    updatedAt: T0 + HOUR,
    haltReason: {
      kind: 'failure-percent' as const,
      resolved: 10,
      succeeded: 7,
      failed: 3,
      provisional: 0,
      waveDevices: null,
      failurePercent: 20,
      failureCount: 10,
    },
  };
  return {
    rollout: halted,
    waves: [
      { percent: 5, devices: 12, attempts: counts({ succeeded: 7, 'rolled-back': 3, offered: 2 }) },
      { percent: 100, devices: 240, attempts: counts({ succeeded: 7, 'rolled-back': 3, offered: 2 }) },
    ],
    inFlight: 2,
    offersLastMinute: 1,
    current: { resolved: 10, succeeded: 7, failed: 3, provisional: 0, quiet: 0, failurePercent: 30 },
    ...overrides,
  };
}

describe('HTTP: rollout views (issue 17)', () => {
  it("reads back the definition's fields with id, state, wave, waves as objects, inFlight and haltReason", () => {
    const json = rolloutView(viewOf());
    expect(json).to.deep.include({
      id: 'r-1',
      name: 'sensor 2.0',
      file: 'fw/sensor-2.0.0.bin',
      selector: { tagsAll: ['lamp'], tagsAny: [], devices: [], versions: ['1.0'], project: null, chip: null },
      state: 'halted',
      wave: 0,
      inFlight: 2,
      offersLastMinute: 1,
      advance: null,
      maxInFlight: 50,
      maxOffersPerMinute: 60,
      halt: { failurePercent: 20, failureCount: 10, minResolved: 10 },
      penalty: { failures: 3, hours: 24 },
      allowDowngrade: false,
      priority: 0,
      includeUnknownImages: false,
      current: { resolved: 10, succeeded: 7, failed: 3, provisional: 0, quiet: 0, failurePercent: 30 },
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0 + HOUR).toISOString(),
      startedAt: new Date(T0).toISOString(),
      waveStartedAt: new Date(T0).toISOString(),
      resumedAt: null,
      endedAt: null,
    });
    expect(json.waves).to.deep.equal([
      { percent: 5, devices: 12, attempts: counts({ succeeded: 7, 'rolled-back': 3, offered: 2 }) },
      { percent: 100, devices: 240, attempts: counts({ succeeded: 7, 'rolled-back': 3, offered: 2 }) },
    ]);
    expect(Object.keys(json.waves[0]?.attempts ?? {})).to.deep.equal([...ATTEMPT_STATES]);
    expect(json.haltReason).to.deep.equal({
      kind: 'failure-percent',
      text: '3 of 10 devices failed (30%), at or over the 20% threshold',
      resolved: 10,
      succeeded: 7,
      failed: 3,
      provisional: 0,
      waveDevices: null,
      failurePercent: 20,
      failureCount: 10,
    });
    // What the OpenAPI document says is what is sent.
    expect(rolloutViewSchema.safeParse(json).success, JSON.stringify(rolloutViewSchema.safeParse(json).error)).to.equal(
      true,
    );
  });

  it('shows a draft with nulls where it has not begun, and every state of a wave counted 0', () => {
    const draft = rollout({}, 'draft');
    const json = rolloutView({
      rollout: draft,
      waves: [],
      inFlight: 0,
      offersLastMinute: 0,
      current: { resolved: 0, succeeded: 0, failed: 0, provisional: 0, quiet: 0, failurePercent: null },
    });
    expect(json).to.deep.include({ state: 'draft', startedAt: null, waveStartedAt: null, haltReason: null });
    expect(json.waves.map((wave) => wave.percent)).to.deep.equal([1, 10, 50, 100]);
    expect(json.waves[3]).to.deep.equal({ percent: 100, devices: 0, attempts: counts() });
    expect(rolloutViewSchema.safeParse(json).success).to.equal(true);
  });

  it('shows a device offered to, and a penalty, with ISO 8601 UTC times', () => {
    expect(
      rolloutDeviceView({
        deviceId: 'AA:BB' as DeviceId,
        wave: 1,
        attemptId: 'a-1',
        state: 'downloading',
        offeredAt: T0,
        updatedAt: T0 + 1000,
      }),
    ).to.deep.equal({
      device: 'AA:BB',
      wave: 1,
      attempt: 'a-1',
      state: 'downloading',
      offeredAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:01.000Z',
    });
    expect(
      devicePenaltiesView(
        'AA:BB',
        [{ file: 'fw/a.bin', version: '2.0', failures: 3, lastFailureAt: T0, until: T0 + 24 * HOUR }],
        ['1.9'],
      ),
    ).to.deep.equal({
      device: 'AA:BB',
      rolledBack: ['1.9'],
      penalties: [
        {
          file: 'fw/a.bin',
          version: '2.0',
          failures: 3,
          lastFailureAt: '2026-01-01T00:00:00.000Z',
          until: '2026-01-02T00:00:00.000Z',
        },
      ],
    });
  });

  describe('a PATCH body as a JSON merge patch of the definition', () => {
    const current = definition({
      name: 'lamp',
      selector: { tagsAll: ['lamp'], chip: 'esp32c3' },
      halt: { failureCount: 4 },
      advance: { soakMinutes: 30 },
      maxInFlight: 10,
    });
    const patched = (patch: unknown) =>
      withRolloutDefaults(patchedDefinition(current, rolloutPatchSchema.parse(patch)));

    it('keeps every field the patch leaves out', () => {
      expect(patched({})).to.deep.equal(current);
    });

    it('replaces the fields given; the objects merge field by field', () => {
      const after = patched({
        maxInFlight: 5,
        waves: [10, 100],
        selector: { tagsAny: ['x'] },
        halt: { minResolved: 3 },
      });
      expect(after).to.deep.equal({
        ...current,
        maxInFlight: 5,
        waves: [10, 100],
        selector: { ...current.selector, tagsAny: ['x'] },
        halt: { failurePercent: 20, failureCount: 4, minResolved: 3 },
      });
    });

    it('null makes the waves manual or a selector field any; an advance on a manual rollout takes the defaults', () => {
      expect(patched({ advance: null, selector: { chip: null } })).to.deep.include({
        advance: null,
        selector: { ...current.selector, chip: null },
      });
      const manual = definition({ advance: null });
      expect(
        withRolloutDefaults(patchedDefinition(manual, rolloutPatchSchema.parse({ advance: { minResolved: 4 } })))
          .advance,
      ).to.deep.equal({ successPercent: 95, minResolved: 4, soakMinutes: 60 });
    });

    it('null removes any field, which takes its default again, as RFC 7396 says (found by a new user)', () => {
      const fresh = withRolloutDefaults({ name: 'lamp', file: current.file });
      expect(patched({ halt: null, waves: null, maxInFlight: null })).to.deep.equal({
        ...current,
        halt: fresh.halt,
        waves: fresh.waves,
        maxInFlight: fresh.maxInFlight,
      });
      expect(
        patched({ selector: { tagsAll: null }, halt: { failureCount: null }, advance: { soakMinutes: null } }),
      ).to.deep.equal({
        ...current,
        selector: { ...current.selector, tagsAll: [] },
        halt: fresh.halt,
        advance: { ...(current.advance ?? {}), soakMinutes: 60 },
      });
      expect(patched({ selector: null, penalty: null, priority: null }).selector).to.deep.equal(fresh.selector);
      // Removing parts of an advance a manual rollout does not have keeps it manual (a review).
      const manual = definition({ advance: null });
      const removed = rolloutPatchSchema.parse({ advance: { successPercent: null } });
      expect(withRolloutDefaults(patchedDefinition(manual, removed)).advance).to.equal(null);
      // A rollout has a name and a file: neither can be removed.
      expect(rolloutPatchSchema.safeParse({ name: null }).success).to.equal(false);
      expect(rolloutPatchSchema.safeParse({ file: null }).success).to.equal(false);
    });
  });
});
