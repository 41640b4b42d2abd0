import type { AppVersion } from './app-version.js';
import type { DeviceAppRecord } from './device-app-record.js';
import type { UpdateDecision } from './update-decision.js';

/**
 * The seed's rule: a row names the version FROM which a device is updated. A device running
 * exactly that version is offered the row's file, provided the file exists; any other version
 * means there is nothing planned for it.
 */
export class UpdatePolicy {
  /** Whether the decision depends on the update file existing (so callers look it up only then). */
  needsFileCheck(record: DeviceAppRecord | undefined, running: AppVersion): boolean {
    return record !== undefined && record.appVersion === running;
  }

  decide(
    record: DeviceAppRecord | undefined,
    running: AppVersion,
    updateFileExists: boolean,
  ): UpdateDecision {
    if (record === undefined) return { kind: 'unknown-device' };
    if (record.appVersion !== running) return { kind: 'no-update' };
    if (!updateFileExists) {
      return { kind: 'update-file-missing', updateFilePath: record.updateFilePath };
    }
    return { kind: 'update-available', updateFilePath: record.updateFilePath };
  }
}
