import { expect } from 'chai';
import { isAppVersion, parseAppVersion } from '../../../src/domain/app-version.js';
import { isDeviceId, parseDeviceId } from '../../../src/domain/device-id.js';
import { DomainError } from '../../../src/domain/domain-error.js';
import { isUpdateFilePath, parseUpdateFilePath } from '../../../src/domain/update-file-path.js';

describe('identifiers', () => {
  describe('DeviceId', () => {
    it('accepts MAC addresses, names and the boundary lengths', () => {
      for (const id of ['AA:BB:CC:DD:EE:FF', 'esp32-kitchen_1.a', 'x', 'd'.repeat(64), '.a', '...x', '-']) {
        expect(isDeviceId(id), id).to.equal(true);
      }
    });

    it('refuses empty, too long, SQL-shaped, traversal, dots-only and non-ASCII ids with invalid-device-id', () => {
      for (const id of [
        '',
        'd'.repeat(65),
        'a"b',
        "a' OR 1=1 --",
        'device_id"; DROP TABLE device_app',
        '../x',
        '.',
        '..',
        '.'.repeat(64),
        'a/b',
        'a b',
        'é',
        'a\0',
      ]) {
        expect(isDeviceId(id), id).to.equal(false);
        expect(() => parseDeviceId(id))
          .to.throw(DomainError)
          .with.property('code', 'invalid-device-id');
      }
    });
  });

  describe('AppVersion', () => {
    it('accepts 1-31 printable ASCII characters, spaces and plus signs included', () => {
      for (const version of [
        '1',
        'v1.2.3-4-gdeadbee-dirty',
        '1.0.0+build.5',
        'v 1',
        'x'.repeat(31),
        "~!#$%&'()*,;<>?@[]^`{|}",
      ]) {
        expect(isAppVersion(version), version).to.equal(true);
      }
    });

    it('refuses empty, 32 characters, double quotes and control or non-ASCII characters', () => {
      for (const version of ['', 'x'.repeat(32), '1"0', '1\n', '1\t', 'é']) {
        expect(() => parseAppVersion(version), JSON.stringify(version))
          .to.throw(DomainError)
          .with.property('code', 'invalid-app-version');
      }
    });
  });

  describe('UpdateFilePath', () => {
    it('accepts nested paths of allowed segments up to 200 bytes', () => {
      for (const path of ['app.bin', 'fw/v1.2/app+1_x-y.bin', 'a', `${'a'.repeat(99)}/${'b'.repeat(100)}`]) {
        expect(isUpdateFilePath(path), path).to.equal(true);
      }
    });

    it('refuses every form that could leave the store or reach a hidden file', () => {
      const refused = [
        '',
        '.',
        '..',
        '../devices.db',
        'a/../../b',
        '/etc/passwd',
        'a//b',
        'a/',
        '/a',
        '.hidden',
        'a/.upload-x',
        'a\\b',
        '..\\..\\x',
        'a\0b',
        '%2e%2e/x',
        'a b',
        'é.bin',
        'c:/x',
        'a'.repeat(201),
      ];
      for (const path of refused) {
        expect(isUpdateFilePath(path), JSON.stringify(path)).to.equal(false);
        expect(() => parseUpdateFilePath(path))
          .to.throw(DomainError)
          .with.property('code', 'invalid-file-path');
      }
    });
  });
});
