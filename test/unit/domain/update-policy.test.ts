import { expect } from 'chai';
import { createDeviceAppRecord } from '../../../src/domain/device-app-record.js';
import { parseAppVersion } from '../../../src/domain/app-version.js';
import { UpdatePolicy } from '../../../src/domain/update-policy.js';

describe('UpdatePolicy', () => {
  const policy = new UpdatePolicy();
  const record = createDeviceAppRecord({ deviceId: 'dev-1', appVersion: '1.0', updateFilePath: 'fw/2.0.bin' });
  const v1 = parseAppVersion('1.0');
  const v2 = parseAppVersion('2.0');

  it('offers the row\'s file to a device running exactly the row\'s version', () => {
    expect(policy.decide(record, v1, true)).to.deep.equal({ kind: 'update-available', updateFilePath: 'fw/2.0.bin' });
  });

  it('reports the missing file when the version matches but the file is not stored', () => {
    expect(policy.decide(record, v1, false)).to.deep.equal({ kind: 'update-file-missing', updateFilePath: 'fw/2.0.bin' });
  });

  it('plans nothing for any other version, whether or not the file exists', () => {
    expect(policy.decide(record, v2, true)).to.deep.equal({ kind: 'no-update' });
    expect(policy.decide(record, v2, false)).to.deep.equal({ kind: 'no-update' });
    expect(policy.decide(record, parseAppVersion('1.0 '), true)).to.deep.equal({ kind: 'no-update' });
  });

  it('does not know a device without a row', () => {
    expect(policy.decide(undefined, v1, true)).to.deep.equal({ kind: 'unknown-device' });
  });

  it('needs the file only when the versions match', () => {
    expect(policy.needsFileCheck(record, v1)).to.equal(true);
    expect(policy.needsFileCheck(record, v2)).to.equal(false);
    expect(policy.needsFileCheck(undefined, v1)).to.equal(false);
  });
});
