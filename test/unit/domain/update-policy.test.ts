import { expect } from 'chai';
import { createDeviceAppRecord } from '../../../src/domain/device-app-record.js';
import { parseAppVersion } from '../../../src/domain/app-version.js';
import { UpdatePolicy } from '../../../src/domain/update-policy.js';
import type { EspImageInfo } from '../../../src/domain/firmware/esp-image-info.js';
import type { UpdateFile } from '../../../src/domain/update-file.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import fc from 'fast-check';

/** A stored file; an image of `version` when given, else a file that is no image. */
const stored = (version?: string): UpdateFile => ({
  path: 'fw/2.0.bin' as UpdateFilePath,
  size: 1,
  sha256: '0'.repeat(64),
  modifiedAtMs: 0,
  storedAt: '2026-11-27T00:00:00.000Z',
  image: version === undefined ? undefined : ({ version } as EspImageInfo),
});

describe('UpdatePolicy', () => {
  const policy = new UpdatePolicy();
  const record = createDeviceAppRecord({ deviceId: 'dev-1', appVersion: '1.0', updateFilePath: 'fw/2.0.bin' });
  const v1 = parseAppVersion('1.0');
  const v2 = parseAppVersion('2.0');

  it("offers the row's file to a device running exactly the row's version", () => {
    expect(policy.decide(record, v1, stored('2.0'))).to.deep.equal({
      kind: 'update-available',
      updateFilePath: 'fw/2.0.bin',
    });
  });

  it('reports the missing file when the version matches but the file is not stored', () => {
    expect(policy.decide(record, v1, undefined)).to.deep.equal({
      kind: 'update-file-missing',
      updateFilePath: 'fw/2.0.bin',
    });
  });

  it('plans nothing for any other version, whether or not the file exists', () => {
    expect(policy.decide(record, v2, stored('2.0'))).to.deep.equal({ kind: 'no-update' });
    expect(policy.decide(record, v2, undefined)).to.deep.equal({ kind: 'no-update' });
    expect(policy.decide(record, parseAppVersion('1.0 '), stored('2.0'))).to.deep.equal({ kind: 'no-update' });
  });

  it('does not offer an image of the very version the device runs (it would reinstall it forever), but offers a file that is no image', () => {
    expect(policy.decide(record, v1, stored('1.0'))).to.deep.equal({
      kind: 'reinstall-loop',
      updateFilePath: 'fw/2.0.bin',
    });
    expect(policy.decide(record, v1, stored())).to.deep.equal({
      kind: 'update-available',
      updateFilePath: 'fw/2.0.bin',
    });
  });

  it("offers a file only to a device running the row's version, and never an image of that version (property)", () => {
    const version = fc.constantFrom('1.0', '2.0', '1.0 ', 'v3');
    fc.assert(
      fc.property(
        version,
        version,
        fc.option(fc.option(version, { nil: undefined }), { nil: null }),
        (rowVersion, running, file) => {
          const row = createDeviceAppRecord({ deviceId: 'd', appVersion: rowVersion, updateFilePath: 'fw/2.0.bin' });
          const decision = policy.decide(row, parseAppVersion(running), file === null ? undefined : stored(file));
          const offered = decision.kind === 'update-available';
          return offered === (rowVersion === running && file !== null && file !== running);
        },
      ),
    );
  });

  it('does not know a device without a row', () => {
    expect(policy.decide(undefined, v1, stored('2.0'))).to.deep.equal({ kind: 'unknown-device' });
  });

  it('needs the file only when the versions match', () => {
    expect(policy.needsFileCheck(record, v1)).to.equal(true);
    expect(policy.needsFileCheck(record, v2)).to.equal(false);
    expect(policy.needsFileCheck(undefined, v1)).to.equal(false);
  });
});
