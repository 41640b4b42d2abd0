import { expect } from 'chai';
import { eventTypeSchema, fleetEventSchema } from '../../../src/adapters/inbound/http/fleet-schemas.js';
import { fleetEventView } from '../../../src/adapters/inbound/http/fleet-views.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { FLEET_EVENT_TYPES, isRolloutEvent, type FleetEvent } from '../../../src/domain/fleet/fleet-event.js';
import { ROLLOUT_EVENT_TYPES } from '../../../src/domain/rollout/rollout-event.js';
import type { RolloutId } from '../../../src/domain/rollout/rollout-id.js';

const AT = 1_767_225_600_000;
const deviceEvent: FleetEvent = { seq: 1, at: AT, deviceId: 'd1' as DeviceId, type: 'offered', detail: { file: 'a' } };
const started: FleetEvent = {
  seq: 2,
  at: AT,
  rolloutId: 'r1' as RolloutId,
  deviceId: null,
  type: 'rollout.started',
  detail: { wave: 0, percent: 1 },
};
const penalized: FleetEvent = {
  seq: 3,
  at: AT,
  rolloutId: 'r1' as RolloutId,
  deviceId: 'd1' as DeviceId,
  type: 'device.penalized',
  detail: { file: 'a', version: '2.0.0', failures: 3, until: AT + 1 },
};

describe('the events in the fleet event log, as the API shows them', () => {
  it("names a device's event's device and no rollout, a rollout's its rollout and the device if any", () => {
    expect(fleetEventView(deviceEvent)).to.deep.equal({
      file: 'a',
      seq: 1,
      at: '2026-01-01T00:00:00.000Z',
      device: 'd1',
      rolloutId: null,
      type: 'offered',
    });
    expect(fleetEventView(started)).to.deep.equal({
      wave: 0,
      percent: 1,
      seq: 2,
      at: '2026-01-01T00:00:00.000Z',
      device: null,
      rolloutId: 'r1',
      type: 'rollout.started',
    });
    expect(fleetEventView(penalized)).to.include({ device: 'd1', rolloutId: 'r1', type: 'device.penalized' });
    for (const event of [deviceEvent, started, penalized]) {
      expect(fleetEventSchema.safeParse(fleetEventView(event)).success).to.equal(true);
    }
  });

  it('tells the kinds apart by rolloutId', () => {
    expect([deviceEvent, started, penalized].map(isRolloutEvent)).to.deep.equal([false, true, true]);
  });

  it("takes every device and rollout event type as the listing's ?type=", () => {
    expect(FLEET_EVENT_TYPES).to.include.members([...ROLLOUT_EVENT_TYPES, 'first-seen', 'offered', 'device-changed']);
    for (const type of FLEET_EVENT_TYPES) expect(eventTypeSchema.parse(type)).to.equal(type);
    expect(eventTypeSchema.safeParse('rollout.edited').success).to.equal(false);
  });
});
