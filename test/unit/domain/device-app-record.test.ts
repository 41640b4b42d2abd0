import { expect } from 'chai';
import { createDeviceAppRecord } from '../../../src/domain/device-app-record.js';
import { DomainError } from '../../../src/domain/domain-error.js';

describe('DeviceAppRecord', () => {
  it('keeps valid fields as given', () => {
    const record = createDeviceAppRecord({ deviceId: 'AA:BB', appVersion: 'v1 beta', updateFilePath: 'a/b.bin' });
    expect(record).to.deep.equal({ deviceId: 'AA:BB', appVersion: 'v1 beta', updateFilePath: 'a/b.bin' });
  });

  it('names the first invalid field', () => {
    const attempt = (fields: { deviceId: string; appVersion: string; updateFilePath: string }) => () =>
      createDeviceAppRecord(fields);
    expect(attempt({ deviceId: 'a b', appVersion: '1', updateFilePath: 'f' }))
      .to.throw(DomainError)
      .with.property('code', 'invalid-device-id');
    expect(attempt({ deviceId: 'a', appVersion: '', updateFilePath: 'f' }))
      .to.throw(DomainError)
      .with.property('code', 'invalid-app-version');
    expect(attempt({ deviceId: 'a', appVersion: '1', updateFilePath: '../f' }))
      .to.throw(DomainError)
      .with.property('code', 'invalid-file-path');
  });
});
