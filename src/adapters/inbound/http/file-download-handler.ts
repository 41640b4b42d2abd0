import type { IncomingMessage } from 'node:http';
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
 * The attempt a rollout's offer path (`.offer/<attempt id>`, see offer-path.ts) names, or
 * undefined for a stored file's path. An offer path names the file of its device's current
 * attempt, for that device alone, while the offer stands: anything else (an older attempt,
 * another device's own credential, a made-up id, an offer its aborted or halted rollout took
 * back before the download began) is answered as a missing file, which tells the asker nothing.
 */
async function offeredAttemptOf(
  param: string,
  fleet: FleetTracker,
  rollouts: OfferPolicySource,
  principal: Principal,
): Promise<UpdateAttempt | undefined> {
  const decoded = percentDecoded(param);
  if (decoded === undefined || !decoded.startsWith(OFFER_PATH_PREFIX)) return undefined;
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

/** A request header as the answer's rules take it: absent or empty is undefined. */
function headerText(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `GET|HEAD /files/<path>`: whole files, single ranges (206) and conditional requests (304, 416),
 * decided by downloadAnswer. A body is read into reused buffers and written to the socket
 * (sendBlob): a stream pipeline per download cost a busy server a quarter more CPU per MiB.
 */
export function fileDownloadHandler(
  openUpdateFile: OpenUpdateFile,
  logger: Logger,
  fleet: FleetTracker,
  rollouts: OfferPolicySource,
) {
  const chunks = new ChunkPool();
  return async (exchange: DeviceExchange, principal: Principal): Promise<void> => {
    const { req } = exchange;
    const offered = await offeredAttemptOf(exchange.target.param, fleet, rollouts, principal);
    const opened =
      offered === undefined
        ? await openUpdateFile.execute(updatePathOf(exchange.target.param), principal.deviceId)
        : await openUpdateFile.execute(offered.file);
    const answer = downloadAnswer(opened, {
      ifNoneMatch: headerText(req, 'if-none-match'),
      ifRange: headerText(req, 'if-range'),
      range: headerText(req, 'range'),
    });
    // A client gone while the file was opened gets nothing; the request is logged as aborted.
    if (answer.kind !== 'content' || req.method === 'HEAD' || exchange.gone) {
      await opened.blob.release();
    }
    if (answer.kind === 'not-modified') {
      exchange.answer(304, answer.headers);
      return;
    }
    if (answer.kind === 'range-not-satisfiable') {
      exchange.problem(problem('range-not-satisfiable', `the file has ${answer.size} bytes`), answer.headers);
      return;
    }
    const trace = exchange.gone
      ? undefined
      : fleet.downloadRequested({
          path: opened.file.path,
          deviceId: principal.deviceId,
          address: req.socket.remoteAddress ?? '',
          ...(offered === undefined ? {} : { offeredTo: offered.deviceId }),
        });
    if (req.method === 'HEAD' || exchange.gone) {
      exchange.answer(answer.status, answer.headers);
      trace?.ended(0, 0);
      return;
    }
    let sending: BlobSending | undefined;
    if (trace !== undefined)
      traceServedBytes(
        trace,
        exchange,
        answer.range?.start ?? 0,
        answer.range === undefined ? opened.blob.info.size : answer.range.end - answer.range.start + 1,
        () => sending?.bytesSent ?? 0,
      );
    exchange.beginStream(answer.status, answer.headers, () => sending?.bytesSent ?? 0);
    sending = sendBlob(opened.blob, answer.range, exchange.res, chunks, (error) =>
      logger.warn('reading the file failed', {
        path: exchange.target.path,
        reqId: exchange.requestId,
        reason: error.message,
      }),
    );
  };
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
