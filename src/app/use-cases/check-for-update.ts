import { inject, injectable } from 'inversify';
import type { AppVersion } from '../../domain/app-version.js';
import type { DeviceId } from '../../domain/device-id.js';
import type { UpdateDecision } from '../../domain/update-decision.js';
import type { UpdateFile } from '../../domain/update-file.js';
import { UpdatePolicy } from '../../domain/update-policy.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';
import { UpdateFileDescriber } from '../firmware/update-file-describer.js';

export interface UpdateCheck {
  readonly decision: UpdateDecision;
  /** The offered file's entry (size, SHA-256, image), when an update is available. */
  readonly file?: UpdateFile;
}

/** A device asks whether there is an update for the version it runs. */
@injectable()
export class CheckForUpdate {
  private readonly policy = new UpdatePolicy();

  constructor(
    @inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository,
    @inject(UpdateFileDescriber) private readonly describer: UpdateFileDescriber,
  ) {}

  /**
   * `onlyFor`: the asker is that device (its own credential), and may learn nothing of another:
   * any other id is answered as unknown.
   */
  async execute(deviceId: DeviceId, running: AppVersion, onlyFor?: DeviceId): Promise<UpdateCheck> {
    if (onlyFor !== undefined && onlyFor !== deviceId) return { decision: { kind: 'unknown-device' } };
    const record = await this.devices.get(deviceId);
    // Only a matching row needs the file, so the common "no update" answer touches no disk.
    // A row imported from a seed database may name a path that cannot be in the store: missing.
    const file =
      record !== undefined && this.policy.needsFileCheck(record, running)
        ? await this.describer.describe(record.updateFilePath)
        : undefined;
    const decision = this.policy.decide(record, running, file);
    return decision.kind === 'update-available' && file !== undefined ? { decision, file } : { decision };
  }
}
