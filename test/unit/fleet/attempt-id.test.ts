import { expect } from 'chai';
import fc from 'fast-check';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { attemptId } from '../../../src/domain/fleet/attempt-id.js';

const deviceId = fc.stringMatching(/^[A-Za-z0-9:._-]{1,64}$/).map((raw) => raw as DeviceId);
const time = fc.integer({ min: 0, max: 10 ** 15 - 1 });

describe('attemptId', () => {
  it('is the offer time in 15 zero-padded digits, a dash, the device id', () => {
    expect(attemptId(1_767_225_600_000, 'AA:BB:CC:DD:EE:FF' as DeviceId)).to.equal('001767225600000-AA:BB:CC:DD:EE:FF');
    expect(attemptId(0, 'd' as DeviceId)).to.equal('000000000000000-d');
  });

  it('refuses a time that does not fit (negative, fractional, 16 digits)', () => {
    for (const at of [-1, 1.5, 10 ** 15, Number.NaN]) {
      expect(() => attemptId(at, 'd' as DeviceId), String(at)).to.throw(RangeError);
    }
  });

  it('sorts as strings in offer order, and is unique per device and millisecond (property)', () => {
    fc.assert(
      fc.property(time, deviceId, time, deviceId, (at1, device1, at2, device2) => {
        const id1 = attemptId(at1, device1);
        const id2 = attemptId(at2, device2);
        if (at1 < at2) expect(id1 < id2, `${id1} < ${id2}`).to.equal(true);
        expect(id1 === id2).to.equal(at1 === at2 && device1 === device2);
      }),
    );
  });
});
