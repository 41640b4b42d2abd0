import type { AppVersion } from './app-version.js';
import type { DeviceAppRecord } from './device-app-record.js';
import type { UpdateDecision } from './update-decision.js';
import type { UpdateFile } from './update-file.js';

/**
 * The seed's rule: a row names the version FROM which a device is updated. A device running
 * exactly that version is offered the row's file, provided the file exists; any other version
 * means there is nothing planned for it. One exception the seed did not make: a file that is an
 * image of the very version the device runs is not offered, since the device would install it
 * and ask again, forever (uploads and assignments refuse that pair; a file replaced by hand can
 * still make it).
 */
export class UpdatePolicy {
  /** Whether the decision depends on the update file existing (so callers look it up only then). */
  needsFileCheck(record: DeviceAppRecord | undefined, running: AppVersion): boolean {
    return record !== undefined && record.appVersion === running;
  }

  decide(
    record: DeviceAppRecord | undefined,
    running: AppVersion,
    /** The row's file, when it is stored (looked up only when `needsFileCheck` says so). */
    updateFile: UpdateFile | undefined,
  ): UpdateDecision {
    if (record === undefined) return { kind: 'unknown-device' };
    if (record.appVersion !== running) return { kind: 'no-update' };
    if (updateFile === undefined) {
      return { kind: 'update-file-missing', updateFilePath: record.updateFilePath };
    }
    if (updateFile.image?.version === running) return { kind: 'reinstall-loop', updateFilePath: record.updateFilePath };
    return { kind: 'update-available', updateFilePath: record.updateFilePath };
  }
}
