import 'reflect-metadata';
import { SignedTargetRollouts } from '../app/firmware/signed-target-rollouts.js';
import { AddSigningKey } from '../app/use-cases/add-signing-key.js';
import { SIGNING_KEY_READER } from '../ports/signing-key-reader.port.js';
import { nodeSigningKeyReader } from '../adapters/outbound/crypto/node-signing-key-reader.js';
import { TrustedKeys } from '../app/firmware/trusted-keys.js';
import { Container, type Newable } from 'inversify';
import type { RequestListener } from 'node:http';
import { createHttpHandler } from '../adapters/inbound/http/http-handler.js';
import { FinishedRequests } from '../adapters/inbound/http/finished-request.js';
import { HttpMetrics } from '../adapters/inbound/http/http-metrics.js';
import { registerFleetGauges } from '../adapters/inbound/http/fleet-metrics.js';
import { fleetSummary } from '../app/fleet/fleet-queries.js';
import { nodeSha256 } from '../adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../adapters/outbound/crypto/node-signature-verifier.js';
import { randomSecretGenerator } from '../adapters/outbound/crypto/random-secret-generator.js';
import { BLOB_STORE } from '../ports/blob-store.port.js';
import { DEVICE_APP_REPOSITORY } from '../ports/device-app-repository.port.js';
import { UPDATE_FILE_CATALOG } from '../ports/update-file-catalog.port.js';
import { DEVICE_CREDENTIAL_STORE } from '../ports/device-credential-store.port.js';
import { HEALTH_CHECKS } from '../ports/health-check.port.js';
import { PASSWORD_HASHER } from '../ports/password-hasher.port.js';
import { SECRET_DIGEST } from '../ports/secret-digest.port.js';
import { SECRET_GENERATOR } from '../ports/secret-generator.port.js';
import { SHA256_FACTORY } from '../ports/sha256.port.js';
import { SIGNATURE_VERIFIER } from '../ports/signature-verifier.port.js';
import { NODE_CREDENTIAL_HASHING } from './node-credential-hashing.js';
import { CheckHealth } from '../app/use-cases/check-health.js';
import { DeviceCredentialAuthenticator } from '../app/auth/device-credential-authenticator.js';
import { DeviceCredentialStatus } from '../app/use-cases/device-credential-status.js';
import { ProvisionDeviceCredential } from '../app/use-cases/provision-device-credential.js';
import { RevokeDeviceCredential } from '../app/use-cases/revoke-device-credential.js';
import type { Logger } from '../ports/logger.port.js';
import { LOGGER } from '../ports/logger.port.js';
import type { Authenticator } from '../app/auth/authenticator.js';
import { AUTHENTICATOR } from '../app/auth/authenticator.js';
import { AuthFailureLimiter } from '../app/auth/auth-failure-limiter.js';
import { OperatorSessions } from '../app/auth/operator-sessions.js';
import type { Storage } from './bootstrap/storage.js';
import type { Config } from '../app/config/config.js';
import { CONFIG } from '../app/config/config.js';
import { AssignUpdate } from '../app/use-cases/assign-update.js';
import { CheckForUpdate } from '../app/use-cases/check-for-update.js';
import { DeleteUpdateFile } from '../app/use-cases/delete-update-file.js';
import { ListDeviceApps } from '../app/use-cases/list-device-apps.js';
import { ListUpdateFiles } from '../app/use-cases/list-update-files.js';
import { UpdateFileDescriber } from '../app/firmware/update-file-describer.js';
import { OpenUpdateFile } from '../app/use-cases/open-update-file.js';
import { RemoveDeviceApp } from '../app/use-cases/remove-device-app.js';
import { UploadUpdateFile } from '../app/use-cases/upload-update-file.js';
import { UpdateFileLocks } from '../app/firmware/update-file-locks.js';
import type { FleetTracker } from '../app/fleet/fleet-tracker.js';
import type { FleetChanges } from '../app/fleet/fleet-changes.js';
import type { RolloutService } from '../app/rollout/rollout-service.js';
import { registerRolloutGauges } from '../adapters/inbound/http/rollout-metrics.js';
import type { StorageMetrics } from '../adapters/inbound/http/storage-metrics.js';
import { AuditTrail } from '../app/audit/audit-trail.js';
import { AUDIT_LOG } from '../ports/audit-log.port.js';
import { ROLLOUT_STORE } from '../ports/rollout-store.port.js';
import { PENALTY_CLEARANCE_STORE } from '../ports/penalty-clearance-store.port.js';
import { VERSION_SCHEME } from '../ports/version-scheme.port.js';
import type { DeltaOffers } from '../app/delta/delta-offers.js';
import { semverVersionScheme } from '../adapters/outbound/semver/semver-version-scheme.js';

import type { DeltaService } from '../app/delta/delta-service.js';
import { DELTA_OFFERS } from '../app/delta/delta-offers.js';
import { registerDeltaMetrics } from '../adapters/inbound/http/delta-metrics.js';

export const HTTP_HANDLER = Symbol.for('fuota.HttpHandler');

const USE_CASES: ReadonlyArray<Newable<object>> = [
  AssignUpdate,
  CheckForUpdate,
  CheckHealth,
  DeleteUpdateFile,
  DeviceCredentialStatus,
  AddSigningKey,
  ListDeviceApps,
  ListUpdateFiles,
  UpdateFileDescriber,
  OpenUpdateFile,
  ProvisionDeviceCredential,
  RemoveDeviceApp,
  RevokeDeviceCredential,
  UploadUpdateFile,
  UpdateFileLocks,
];

/**
 * The composition root: the only place that knows which adapter serves which port. Storage and
 * the authenticator are built before (their set-up is asynchronous) and bound as constants.
 */
export function createContainer(
  config: Config,
  storage: Storage,
  authenticator: Authenticator,
  logger: Logger,
  fleet: FleetTracker,
  audit: AuditTrail,
  rollouts: RolloutService,
  fleetChanges: FleetChanges,
  trustedKeys: TrustedKeys,
  deltas: DeltaService,
  storageMetrics?: StorageMetrics,
  metricLabels?: Readonly<Record<string, string>>,
): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(CONFIG).toConstantValue(config);
  container.bind(DEVICE_APP_REPOSITORY).toConstantValue(storage.devices);
  container.bind(BLOB_STORE).toConstantValue(storage.files);
  container.bind(UPDATE_FILE_CATALOG).toConstantValue(storage.catalog);
  container.bind(DEVICE_CREDENTIAL_STORE).toConstantValue(storage.deviceCredentials);
  container.bind(HEALTH_CHECKS).toConstantValue(storage.healthChecks);
  container.bind(AUDIT_LOG).toConstantValue(storage.audit);
  // For the rollouts' use cases. The storage closes them all (Storage.close, at shutdown).
  container.bind(ROLLOUT_STORE).toConstantValue(storage.rollouts);
  container.bind(PENALTY_CLEARANCE_STORE).toConstantValue(storage.penaltyClearances);
  container.bind(VERSION_SCHEME).toConstantValue(semverVersionScheme);
  // Operator-driven use cases (rollouts) take it with @inject(AuditTrail) and record through it.
  container.bind(AuditTrail).toConstantValue(audit);
  container.bind(TrustedKeys).toConstantValue(trustedKeys);
  // The device path asks the patches through DeltaOffers only.
  container.bind(DELTA_OFFERS).toConstantValue(deltas);
  // The configured credentials first, then each device's own.
  container
    .bind(AUTHENTICATOR)
    .toConstantValue(
      new DeviceCredentialAuthenticator(authenticator, storage.deviceCredentials, NODE_CREDENTIAL_HASHING),
    );
  container.bind(PASSWORD_HASHER).toConstantValue(NODE_CREDENTIAL_HASHING.passwords);
  container.bind(SECRET_DIGEST).toConstantValue(NODE_CREDENTIAL_HASHING.digests);
  container.bind(SECRET_GENERATOR).toConstantValue(randomSecretGenerator);
  container.bind(SHA256_FACTORY).toConstantValue(nodeSha256);
  container.bind(SIGNATURE_VERIFIER).toConstantValue(nodeSignatureVerifier);
  container.bind(SIGNING_KEY_READER).toConstantValue(nodeSigningKeyReader);
  container.bind(LOGGER).toConstantValue(logger);
  for (const useCase of USE_CASES) container.bind<object>(useCase).toSelf();
  const metrics = new HttpMetrics();
  const finishedRequests = new FinishedRequests(logger, metrics);
  // The server records what is still waiting when it stops (FuotaServer.stop).
  container.bind(FinishedRequests).toConstantValue(finishedRequests);
  // A worker of FUOTA_WORKERS counts its own requests: its samples carry its `worker` label.
  if (metricLabels !== undefined) metrics.registry.setDefaultLabels({ ...metricLabels });
  registerFleetGauges(metrics.registry, () => fleetSummary(fleet, fleet.now()));
  registerRolloutGauges(metrics.registry, () => rollouts.gauges());
  registerDeltaMetrics(metrics.registry, deltas);
  storageMetrics?.register(metrics.registry, storage.poolUsage);
  container.bind<RequestListener>(HTTP_HANDLER).toDynamicValue((context) =>
    createHttpHandler({
      useCases: {
        checkForUpdate: context.get(CheckForUpdate),
        openUpdateFile: context.get(OpenUpdateFile),
        uploadUpdateFile: context.get(UploadUpdateFile),
        deleteUpdateFile: context.get(DeleteUpdateFile),
        listDeviceApps: context.get(ListDeviceApps),
        assignUpdate: context.get(AssignUpdate),
        removeDeviceApp: context.get(RemoveDeviceApp),
        listUpdateFiles: context.get(ListUpdateFiles),
        provisionDeviceCredential: context.get(ProvisionDeviceCredential),
        revokeDeviceCredential: context.get(RevokeDeviceCredential),
        deviceCredentialStatus: context.get(DeviceCredentialStatus),
        checkHealth: context.get(CheckHealth),
        trustedKeys,
        addSigningKey: context.get(AddSigningKey),
        fleet,
        fleetChanges,
        audit: context.get(AuditTrail),
        // Operators' rollouts refuse a target not signed by a trusted key (while keys are set).
        rollouts: new SignedTargetRollouts(rollouts, trustedKeys, context.get(UpdateFileDescriber)),
        offerPolicy: rollouts,
        deltas,
        deltaOffers: context.get<DeltaOffers>(DELTA_OFFERS),
      },
      authenticator: context.get<Authenticator>(AUTHENTICATOR),
      authFailures: new AuthFailureLimiter(config.authFailuresPerMinute, config.authCooldownSeconds),
      logger: context.get<Logger>(LOGGER),
      metrics,
      finishedRequests,
      sessions: new OperatorSessions(storage.sessions, randomSecretGenerator, NODE_CREDENTIAL_HASHING.digests, {
        credentials: authenticator.operatorCredentials,
      }),
    }),
  );
  return container;
}
