import type { Principal } from '../../../app/auth/principal.js';
import type { DeltaOffers, DeltaPatchInfo } from '../../../app/delta/delta-offers.js';
import { deltaPathOf } from '../../../domain/delta/delta-path.js';
import { parseOfferPath } from '../../../domain/rollout/offer-path.js';
import type { UpdateFile } from '../../../domain/update-file.js';
import type { CheckOutcome, FleetTracker } from '../../../app/fleet/fleet-tracker.js';
import type { OfferPolicySource } from '../../../app/rollout/offer-policy-source.js';
import type { CheckForUpdate, UpdateCheck } from '../../../app/use-cases/check-for-update.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { DeviceId } from '../../../domain/device-id.js';
import { isDeviceId } from '../../../domain/device-id.js';
import { deviceIdSchema } from './api-schemas.js';
import { appVersionFromQuery } from './app-version-query.js';
import { checkStatus, deviceCheckAnswer, type OfferedPatchAnswer } from './device-check-answer.js';
import type { DeltaRequest } from './delta-query.js';
import { deltaRequestFromQuery } from './delta-query.js';
import { deviceAuthKind } from './device-auth-kind.js';
import type { DeviceExchange } from './device-exchange.js';
import { validated } from './edge-validation.js';
import type { HttpMetrics } from './http-metrics.js';
import { isOperatorProbe } from './operator-probe.js';
import { percentDecoded } from './percent-decoding.js';

/**
 * The device id of `/devices/<id>`, decoded. The domain's predicate is the schema's very rule:
 * a valid id (what devices send) is spared the zod call, a refused one gets the schema's message.
 */
function deviceIdOf(param: string): DeviceId {
  const decoded = percentDecoded(param);
  return decoded !== undefined && isDeviceId(decoded)
    ? decoded
    : validated(deviceIdSchema, decoded ?? param, 'invalid-device-id');
}

/**
 * The ready patch from the device's running image to `file`, if any. A patch that would not
 * rebuild exactly this file is never offered (the device checks the result against the file's
 * digest and would refuse it after downloading it all).
 */
function patchFinder(offers: DeltaOffers, request: DeltaRequest): (file: UpdateFile) => DeltaPatchInfo | undefined {
  return (file) => {
    const patch = offers.offerFor(file, request.format, request.baseImageSha256);
    return patch !== undefined && patch.targetSha256 === file.sha256 && patch.targetSize === file.size
      ? patch
      : undefined;
  };
}

/** The path a patch is offered under: its own, or under the rollout offer's path so that the download keeps its attempt. */
function offeredPatch(
  patch: DeltaPatchInfo | undefined,
  offerPath: string | undefined,
): OfferedPatchAnswer | undefined {
  if (patch === undefined) return undefined;
  const attemptId = offerPath === undefined ? undefined : parseOfferPath(offerPath)?.attemptId;
  return { path: deltaPathOf(patch.id, attemptId), patch };
}

/**
 * `GET|HEAD /devices/<id>?app_ver=<running version>`, the check every device makes on every
 * poll: 200 with the bare update path, 204, or a problem (400 for a bad id or version, 404 for
 * an unknown device or a missing file, 403 for a device asking for another's row).
 *
 * A device that applies patches adds `delta=<format>&base=<its running image's SHA-256>`
 * (delta-query.ts): when the answer offers a file and a patch from that image to it is ready
 * (DeltaOffers), the answer names the patch instead (device-check-answer.ts). Without `delta=`,
 * the answer is exactly what it was before patches existed.
 *
 * Every check is recorded in the fleet inventory (a device asking about another's id is not:
 * it learns nothing, and neither does the inventory; nor is a HEAD or an operator's probe); one
 * that moved an update attempt is answered once that is durable.
 */
export function deviceCheckHandler(
  checkForUpdate: CheckForUpdate,
  metrics: HttpMetrics,
  fleet: FleetTracker,
  rollouts: OfferPolicySource,
  deltaOffers: DeltaOffers,
) {
  return async (exchange: DeviceExchange, principal: Principal): Promise<void> => {
    const deviceId = deviceIdOf(exchange.target.param);
    const running = appVersionFromQuery(exchange.target.query);
    const deltaRequest = deltaRequestFromQuery(exchange.target.query);
    const patchFor = deltaRequest === undefined ? undefined : patchFinder(deltaOffers, deltaRequest);
    let patch: OfferedPatchAnswer | undefined;
    let check: UpdateCheck = await checkForUpdate.execute(deviceId, running, principal.deviceId);
    // A HEAD learns the status and not the path: no device polls so (ESP-IDF's clients GET), and
    // recorded, it made an offer nobody could follow. Answered from the row alone, as a probe is.
    const probe = exchange.req.method === 'HEAD' || isOperatorProbe(exchange.req, principal);
    if (!probe && (principal.deviceId === undefined || principal.deviceId === deviceId)) {
      // Explicit rows win: fleet policy is asked only when the row offers nothing.
      const lease =
        check.decision.kind === 'update-available' || !rollouts.offering()
          ? undefined
          : await rollouts.policyFor(deviceId, running);
      let recorded: CheckOutcome;
      try {
        // Every field given, absent ones as undefined: one shape for every check.
        recorded = fleet.recordCheck({
          deviceId,
          version: running,
          address: exchange.req.socket.remoteAddress ?? '',
          auth: deviceAuthKind(exchange.credential?.auth),
          status: checkStatus(check.decision),
          offer: check.file,
          assigned: check.decision.kind !== 'unknown-device',
          policy: lease?.policy,
          patchFor,
        });
        if (recorded.written !== undefined) await recorded.written;
      } finally {
        if (lease !== undefined) await lease.release();
      }
      patch = offeredPatch(recorded.patch, recorded.offerPath);
      if (recorded.offerPath !== undefined && recorded.offerFile !== undefined) {
        check = {
          decision: { kind: 'update-available', updateFilePath: recorded.offerPath as UpdateFilePath },
          file: recorded.offerFile,
        };
      } else if (recorded.heldBack === true) {
        // A rollout wants the device, later (its wave, a cap): 204, it polls again.
        check = { decision: { kind: 'no-update' } };
        patch = undefined;
      }
    } else if (patchFor !== undefined && check.file !== undefined && check.decision.kind === 'update-available') {
      // Not recorded (see above): the row's offer, as a patch when one is ready.
      patch = offeredPatch(patchFor(check.file), undefined);
    }
    // A probe is no device's check (see operator-probe.ts).
    if (!probe) metrics.check(check.decision.kind);
    const answer = deviceCheckAnswer(check, deviceId, patch);
    exchange.answer(answer.status, answer.headers, answer.body, answer.bodyBytes);
  };
}
