import { expect } from 'chai';
import type { DeviceId } from '../../../src/domain/device-id.js';
import {
  devicePenalizedEvent,
  isRolloutEventType,
  ROLLOUT_EVENT_TYPES,
} from '../../../src/domain/rollout/rollout-event.js';
import { HOUR, rolloutId, T0, TARGET_FILE } from './support/rollout-fixtures.js';

describe('rollout events', () => {
  it('are the types the issue names, and a pause', () => {
    expect(ROLLOUT_EVENT_TYPES).to.deep.equal([
      'rollout.started',
      'rollout.wave-advanced',
      'rollout.paused',
      'rollout.halted',
      'rollout.resumed',
      'rollout.completed',
      'rollout.aborted',
      'device.penalized',
    ]);
    expect(isRolloutEventType('rollout.halted')).to.equal(true);
    expect(isRolloutEventType('rollout.paused')).to.equal(true);
    expect(isRolloutEventType('rollout.edited')).to.equal(false);
  });

  it('device.penalized names the device, the rollout, the image, and until when', () => {
    const penalty = { failures: 3, lastFailureAt: T0, until: T0 + 24 * HOUR };
    const image = { file: TARGET_FILE, version: '2.0.0' };
    expect(devicePenalizedEvent(rolloutId('r-1'), 'esp-1' as DeviceId, image, penalty)).to.deep.equal({
      at: T0,
      rolloutId: 'r-1',
      deviceId: 'esp-1',
      type: 'device.penalized',
      detail: { file: TARGET_FILE, version: '2.0.0', failures: 3, until: T0 + 24 * HOUR },
    });
  });
});
