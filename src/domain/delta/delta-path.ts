import type { DeltaFormatId } from './delta-format.js';
import { isDeltaFormatId } from './delta-format.js';
import { OFFER_PATH_PREFIX, offerPathOf } from '../rollout/offer-path.js';

/**
 * Where a device downloads a patch: `.delta/<id>`, or `.offer/<attempt id>/.delta/<id>` when a
 * rollout's offer names it, so that the download is still tied to the attempt whatever credential
 * it comes with. A patch id is `<target file sha256>.<base file sha256>.<format>` (lowercase hex).
 * No stored file can have either path (a stored path never has a segment starting with a dot).
 * At most 7 + 80 + 8 + 137 characters: far below the 255 bytes the esp32-fuota application reads.
 */
export const DELTA_PATH_PREFIX = '.delta/';

const OFFER_DELTA_SEPARATOR = `/${DELTA_PATH_PREFIX}`;
const PATCH_ID = /^([0-9a-f]{64})\.([0-9a-f]{64})\.([a-z0-9-]{1,32})$/;

/** The parts of a patch id. */
export interface DeltaPatchId {
  readonly id: string;
  readonly targetSha256: string;
  readonly baseSha256: string;
  readonly format: DeltaFormatId;
}

/** The parts of a patch id, or undefined when `id` is not one of a format this server knows. */
export function parseDeltaPatchId(id: string): DeltaPatchId | undefined {
  const match = PATCH_ID.exec(id);
  if (match === null) return undefined;
  const [, targetSha256, baseSha256, format] = match;
  if (targetSha256 === undefined || baseSha256 === undefined || format === undefined || !isDeltaFormatId(format)) {
    return undefined;
  }
  return { id, targetSha256, baseSha256, format };
}

/** The path a check's answer names for patch `patchId`; with `attemptId`, under that rollout offer's own path. */
export function deltaPathOf(patchId: string, attemptId?: string): string {
  const own = `${DELTA_PATH_PREFIX}${patchId}`;
  return attemptId === undefined ? own : `${offerPathOf(attemptId)}/${own}`;
}

/**
 * A download path naming a patch: its id, and the offer path it came under (`.offer/<attempt id>`)
 * when it did. Undefined when `path` names no patch (a stored file, a bare offer path); a path
 * that has the shape but an id of no known form is returned with `patchId` undefined, so that
 * the caller answers it as a missing file rather than as a malformed path.
 */
export function parseDeltaPath(
  path: string,
): { readonly patchId: DeltaPatchId | undefined; readonly offerPath: string | undefined } | undefined {
  if (path.startsWith(DELTA_PATH_PREFIX)) {
    return { patchId: parseDeltaPatchId(path.slice(DELTA_PATH_PREFIX.length)), offerPath: undefined };
  }
  if (!path.startsWith(OFFER_PATH_PREFIX)) return undefined;
  const separator = path.indexOf(OFFER_DELTA_SEPARATOR, OFFER_PATH_PREFIX.length);
  if (separator < 0) return undefined;
  return {
    patchId: parseDeltaPatchId(path.slice(separator + OFFER_DELTA_SEPARATOR.length)),
    offerPath: path.slice(0, separator),
  };
}
