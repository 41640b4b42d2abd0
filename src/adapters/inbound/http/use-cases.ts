import type { DeltaOffers } from '../../../app/delta/delta-offers.js';
import type { OfferPolicySource } from '../../../app/rollout/offer-policy-source.js';
import type { RolloutOperations } from '../../../app/rollout/rollout-operations.js';
import type { AuditTrail } from '../../../app/audit/audit-trail.js';
import type { FleetTracker } from '../../../app/fleet/fleet-tracker.js';
import type { FleetChanges } from '../../../app/fleet/fleet-changes.js';
import type { AssignUpdate } from '../../../app/use-cases/assign-update.js';
import type { DeviceCredentialStatus } from '../../../app/use-cases/device-credential-status.js';
import type { ProvisionDeviceCredential } from '../../../app/use-cases/provision-device-credential.js';
import type { RevokeDeviceCredential } from '../../../app/use-cases/revoke-device-credential.js';
import type { CheckHealth } from '../../../app/use-cases/check-health.js';
import type { CheckForUpdate } from '../../../app/use-cases/check-for-update.js';
import type { DeleteUpdateFile } from '../../../app/use-cases/delete-update-file.js';
import type { ListDeviceApps } from '../../../app/use-cases/list-device-apps.js';
import type { ListUpdateFiles } from '../../../app/use-cases/list-update-files.js';
import type { OpenUpdateFile } from '../../../app/use-cases/open-update-file.js';
import type { RemoveDeviceApp } from '../../../app/use-cases/remove-device-app.js';
import type { TrustedKeys } from '../../../app/firmware/trusted-keys.js';
import type { AddSigningKey } from '../../../app/use-cases/add-signing-key.js';
import type { UploadUpdateFile } from '../../../app/use-cases/upload-update-file.js';
import type { DeltaService } from '../../../app/delta/delta-service.js';

/** The use cases the HTTP adapter drives. */
export interface HttpUseCases {
  readonly checkForUpdate: CheckForUpdate;
  readonly openUpdateFile: OpenUpdateFile;
  readonly uploadUpdateFile: UploadUpdateFile;
  readonly deleteUpdateFile: DeleteUpdateFile;
  readonly listDeviceApps: ListDeviceApps;
  readonly assignUpdate: AssignUpdate;
  readonly removeDeviceApp: RemoveDeviceApp;
  readonly listUpdateFiles: ListUpdateFiles;
  readonly provisionDeviceCredential: ProvisionDeviceCredential;
  readonly revokeDeviceCredential: RevokeDeviceCredential;
  readonly deviceCredentialStatus: DeviceCredentialStatus;
  readonly checkHealth: CheckHealth;
  /** The trusted Secure Boot v2 signing keys (`/api/v1/signing-keys`). */
  readonly trustedKeys: TrustedKeys;
  readonly addSigningKey: AddSigningKey;
  /** The fleet inventory: recorded by the device adapter, shown and changed by the operator adapter. */
  readonly fleet: FleetTracker;
  /** Where uploads, deletions and seed-row writes say so, for the other servers on the storage too. */
  readonly fleetChanges: FleetChanges;
  /** Where every operator change is recorded before it is answered, and read back. */
  readonly audit: AuditTrail;
  /** Rollouts, as operators drive them. */
  readonly rollouts: RolloutOperations;
  /** Rollouts, as the device check asks them for an offer. */
  readonly offerPolicy: OfferPolicySource;
  /** Delta patches: made on uploads, listed, made and removed by operators. */
  readonly deltas: DeltaService;
  /** The patches the device path offers and serves (delta updates). */
  readonly deltaOffers: DeltaOffers;
}
