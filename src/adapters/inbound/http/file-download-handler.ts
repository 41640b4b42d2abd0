import { RepeatedWarnings } from '../../../app/logging/repeated-warnings.js';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DeltaOffers, DeltaPatchInfo } from '../../../app/delta/delta-offers.js';
import { deltaPathOf, parseDeltaPath } from '../../../domain/delta/delta-path.js';
import type { DeviceId } from '../../../domain/device-id.js';
import type { OpenedBlob } from '../../../ports/blob-store.port.js';
import type { HttpMetrics } from './http-metrics.js';
import type { Principal } from '../../../app/auth/principal.js';
import type { DownloadTrace, FleetTracker } from '../../../app/fleet/fleet-tracker.js';
import type { OfferPolicySource } from '../../../app/rollout/offer-policy-source.js';
import type { OpenUpdateFile } from '../../../app/use-cases/open-update-file.js';
import { DomainError } from '../../../domain/domain-error.js';
import type { UpdateAttempt } from '../../../domain/fleet/update-attempt.js';
import { OFFER_PATH_PREFIX } from '../../../domain/rollout/offer-path.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import { isUpdateFilePath } from '../../../domain/update-file-path.js';
import type { Logger } from '../../../ports/logger.port.js';
import { updateFilePathSchema } from './api-schemas.js';
import type { BlobSending } from './blob-sender.js';
import { sendBlob } from './blob-sender.js';
import { ChunkPool } from './chunk-pool.js';
import type { DeviceExchange } from './device-exchange.js';
import { downloadAnswer } from './download-answer.js';
import { validated } from './edge-validation.js';
import { isOperatorProbe } from './operator-probe.js';
import { percentDecoded } from './percent-decoding.js';
import { problem } from './problem.js';

/** The update path of `/files/<path>`, decoded, valid (as deviceIdOf does for ids). */
function updatePathOf(param: string): UpdateFilePath {
  const decoded = percentDecoded(param);
  return decoded !== undefined && isUpdateFilePath(decoded)
    ? decoded
    : validated(updateFilePathSchema, decoded ?? param, 'invalid-file-path');
}

/**
 * The attempt a rollout's offer path (`.offer/<attempt id>`, see offer-path.ts), decoded, names. An offer path names the file of its device's current
 * attempt, for that device alone, while the offer stands: anything else (an older attempt,
 * another device's own credential, a made-up id, an offer its aborted or halted rollout took
 * back before the download began) is answered as a missing file, which tells the asker nothing.
 */
async function offeredAttemptOf(
  decoded: string,
  fleet: FleetTracker,
  rollouts: OfferPolicySource,
  principal: Principal,
): Promise<UpdateAttempt> {
  const attempt = await fleet.findOfferedAttempt(decoded);
  if (
    attempt === undefined ||
    (principal.deviceId !== undefined && principal.deviceId !== attempt.deviceId) ||
    !rollouts.offerStands(attempt)
  ) {
    throw new DomainError('file-not-found', `no update file at ${decoded}`);
  }
  return attempt;
}

/**
 * The offer at `offerPath` once its file is open: its rollout may have halted or been aborted
 * while the file was opened (an S3 HEAD, a blob's open), and an offer taken back before any of it
 * was sent is answered as a missing file, as it would have been a moment later; served, the
 * download would be tied to no attempt (a withdrawn one takes no signal).
 */
async function stillStanding(
  offerPath: string,
  blob: { release(): Promise<void> },
  fleet: FleetTracker,
  rollouts: OfferPolicySource,
): Promise<void> {
  const attempt = fleet.offeredAttempt(offerPath);
  if (attempt !== undefined && rollouts.offerStands(attempt)) return;
  await blob.release();
  throw new DomainError('file-not-found', `no update file at ${offerPath}`);
}

/** A request header as the answer's rules take it: absent or empty is undefined. */
function headerText(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** What one download sends: an opened blob, its validator, and how the fleet knows it. */
interface DownloadSource {
  readonly blob: OpenedBlob;
  /** The hex digest its strong ETag carries. */
  readonly etagSha256: string;
  /** The path the fleet ties the download to an attempt by: the file's, or the patch's `.delta/<id>`. */
  readonly tracePath: string;
  /** The device whose offer path the request named. */
  readonly offeredTo?: DeviceId;
  /** The patch it is, when it is one. */
  readonly patch?: DeltaPatchInfo;
}

/**
 * A patch's download (`.delta/<id>`, or `.offer/<attempt id>/.delta/<id>`, see delta-path.ts),
 * or undefined for any other path. A patch is served like a file, to whoever may have it: under
 * an offer path, to the device of that offer's attempt while it stands and names that patch;
 * under its own path, to any shared-credential device, and to a device with its own credential
 * only when its current attempt was offered that patch (as it may download only its row's file).
 * Anything else, and a patch not stored, is answered as a missing file.
 */
async function patchSourceOf(
  param: string,
  fleet: FleetTracker,
  rollouts: OfferPolicySource,
  deltaOffers: DeltaOffers,
  principal: Principal,
): Promise<DownloadSource | undefined> {
  const decoded = percentDecoded(param);
  const parsed = decoded === undefined ? undefined : parseDeltaPath(decoded);
  if (parsed === undefined) return undefined;
  const missing = () => new DomainError('file-not-found', `no update file at ${decoded}`);
  const patchId = parsed.patchId?.id;
  if (patchId === undefined) throw missing();
  let offeredTo: DeviceId | undefined;
  if (parsed.offerPath !== undefined) {
    const attempt = await offeredAttemptOf(parsed.offerPath, fleet, rollouts, principal);
    if (attempt?.patchId !== patchId) throw missing();
    offeredTo = attempt.deviceId;
  } else if (principal.deviceId !== undefined && fleet.currentAttempt(principal.deviceId)?.patchId !== patchId) {
    // The offer may be another server's of a moment ago (see findOfferElsewhere).
    await fleet.findOfferElsewhere({ path: deltaPathOf(patchId), deviceId: principal.deviceId, address: '' });
    if (fleet.currentAttempt(principal.deviceId)?.patchId !== patchId) throw missing();
  }
  const opened = await deltaOffers.open(patchId);
  if (opened === undefined) throw missing();
  if (parsed.offerPath !== undefined) await stillStanding(parsed.offerPath, opened.blob, fleet, rollouts);
  return {
    blob: opened.blob,
    etagSha256: patchEtagDigest(opened.patch),
    tracePath: deltaPathOf(patchId),
    ...(offeredTo === undefined ? {} : { offeredTo }),
    patch: opened.patch,
  };
}

/**
 * The digest of a patch's strong ETag: of its id (its target, base and format), size and making
 * time, so that a patch made again for the same pair (another encoder, other bytes) never
 * validates a partial copy of the one before.
 */
function patchEtagDigest(patch: DeltaPatchInfo): string {
  return createHash('sha256').update(`${patch.id}\n${patch.size}\n${patch.createdAt}`).digest('hex');
}

/**
 * The offer another server made, if any, before the download is tied to an attempt (see
 * FleetTracker.findOfferElsewhere). It decides only what the download is counted for: a failure
 * to read it (an outage) is logged and the bytes are served anyway.
 */
async function findOffer(
  fleet: FleetTracker,
  source: DownloadSource,
  principal: Principal,
  address: string,
  warnings: RepeatedWarnings,
): Promise<void> {
  try {
    await fleet.findOfferElsewhere({ path: source.tracePath, deviceId: principal.deviceId, address });
  } catch (error) {
    warnings.warn("another server's offer could not be looked for; the download is served untied", {
      path: source.tracePath,
      error,
    });
  }
}

/** A stored file's download: by its path, or by the rollout offer path naming it. */
async function fileSourceOf(
  param: string,
  openUpdateFile: OpenUpdateFile,
  fleet: FleetTracker,
  rollouts: OfferPolicySource,
  principal: Principal,
): Promise<DownloadSource> {
  const decoded = percentDecoded(param);
  const offered =
    decoded === undefined || !decoded.startsWith(OFFER_PATH_PREFIX)
      ? undefined
      : await offeredAttemptOf(decoded, fleet, rollouts, principal);
  const opened =
    offered === undefined
      ? await openUpdateFile.execute(updatePathOf(param), principal.deviceId)
      : await openUpdateFile.execute(offered.file);
  if (offered !== undefined && decoded !== undefined) await stillStanding(decoded, opened.blob, fleet, rollouts);
  return {
    blob: opened.blob,
    etagSha256: opened.file.sha256,
    tracePath: opened.file.path,
    ...(offered === undefined ? {} : { offeredTo: offered.deviceId }),
  };
}

/**
 * `GET|HEAD /files/<path>`: whole files, single ranges (206) and conditional requests (304, 416),
 * decided by downloadAnswer. A body is read into reused buffers and written to the socket
 * (sendBlob): a stream pipeline per download cost a busy server a quarter more CPU per MiB.
 * Patches (`.delta/<id>`) are downloads like any file's, from DeltaOffers.
 */
export function fileDownloadHandler(
  openUpdateFile: OpenUpdateFile,
  logger: Logger,
  metrics: HttpMetrics,
  fleet: FleetTracker,
  rollouts: OfferPolicySource,
  deltaOffers: DeltaOffers,
) {
  const chunks = new ChunkPool();
  // Every such download fails the same way while storage is out: logged once every ten seconds.
  const warnings = new RepeatedWarnings(logger);
  return async (exchange: DeviceExchange, principal: Principal): Promise<void> => {
    const { req } = exchange;
    const param = exchange.target.param;
    const source =
      (await patchSourceOf(param, fleet, rollouts, deltaOffers, principal)) ??
      (await fileSourceOf(param, openUpdateFile, fleet, rollouts, principal));
    // An operator's probe is no device's download (see operator-probe.ts): tied to no attempt,
    // and no patch counted as delivered.
    const probe = isOperatorProbe(req, principal);
    const address = req.socket.remoteAddress ?? '';
    if (!probe && source.offeredTo === undefined) await findOffer(fleet, source, principal, address, warnings);
    const answer = downloadAnswer(source.blob, source.etagSha256, {
      ifNoneMatch: headerText(req, 'if-none-match'),
      ifRange: headerText(req, 'if-range'),
      range: headerText(req, 'range'),
    });
    // A client gone while the file was opened gets nothing; the request is logged as aborted.
    if (answer.kind !== 'content' || req.method === 'HEAD' || exchange.gone) {
      await source.blob.release();
    }
    if (answer.kind === 'not-modified') {
      exchange.answer(304, answer.headers);
      return;
    }
    if (answer.kind === 'range-not-satisfiable') {
      exchange.problem(problem('range-not-satisfiable', `the file has ${answer.size} bytes`), answer.headers);
      return;
    }
    const trace =
      exchange.gone || probe
        ? undefined
        : fleet.downloadRequested({
            path: source.tracePath,
            deviceId: principal.deviceId,
            address,
            ...(source.offeredTo === undefined ? {} : { offeredTo: source.offeredTo }),
          });
    if (req.method === 'HEAD' || exchange.gone) {
      exchange.answer(answer.status, answer.headers);
      trace?.ended(0, 0);
      return;
    }
    let sending: BlobSending | undefined;
    const start = answer.range?.start ?? 0;
    const length = answer.range === undefined ? source.blob.info.size : answer.range.end - answer.range.start + 1;
    if (trace !== undefined) traceServedBytes(trace, exchange, start, length, () => sending?.bytesSent ?? 0);
    const { patch } = source;
    if (patch !== undefined && !probe)
      countPatchDelivered(exchange, metrics, patch, length, start + length === patch.size);
    exchange.beginStream(answer.status, answer.headers, () => sending?.bytesSent ?? 0);
    sending = sendBlob(source.blob, answer.range, exchange.res, chunks, (error) =>
      logger.warn('reading the file failed', {
        path: exchange.target.path,
        reqId: exchange.requestId,
        reason: error.message,
      }),
    );
  };
}

/**
 * Counts, once an answer of `length` patch bytes was sent whole, the bytes it saved against the
 * full image: each patch byte stands for targetSize / size bytes of the image, so the parts of
 * a resumed download add up to one image's saving, and a short range saves little. An answer
 * ending at the patch's last byte (`completes`: a download in one request, or the last part of
 * a resumed one) also counts a patch download.
 */
function countPatchDelivered(
  exchange: DeviceExchange,
  metrics: HttpMetrics,
  patch: DeltaPatchInfo,
  length: number,
  completes: boolean,
): void {
  exchange.res.once('close', () => {
    if (!exchange.res.writableFinished || patch.size === 0) return;
    const saved = Math.round((length * Math.max(0, patch.targetSize - patch.size)) / patch.size);
    metrics.patchBytesSent(saved, completes);
  });
}

/**
 * Tells the fleet which bytes of the file a download sent, once it ends. Bytes handed to the
 * socket are not bytes the device read: an answer cut short is credited only with what left
 * the response's own buffer, and never with the last byte of its span, so a download the
 * device dropped is never counted as whole.
 */
function traceServedBytes(
  trace: DownloadTrace,
  exchange: DeviceExchange,
  start: number,
  length: number,
  sent: () => number,
): void {
  exchange.res.once('close', () => {
    const handed = sent();
    if (exchange.res.writableFinished) {
      trace.ended(start, start + handed);
      return;
    }
    const left = Math.max(0, handed - exchange.res.writableLength);
    trace.ended(start, start + Math.min(left, length - 1));
  });
}
