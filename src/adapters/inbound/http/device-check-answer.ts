import type { DeltaPatchInfo } from '../../../app/delta/delta-offers.js';
import type { UpdateCheck } from '../../../app/use-cases/check-for-update.js';
import type { SignatureFact } from '../../../domain/firmware/signature-fact.js';
import type { UpdateFile } from '../../../domain/update-file.js';
import { DomainError } from '../../../domain/domain-error.js';
import type { HeaderList } from './header-list.js';

// An image's version is whatever UTF-8 its build put there; only printable ASCII fits a header.
const HEADER_SAFE = /^[\x20-\x7e]*$/;

/** A successful answer to a device check, as the device adapter sends it. */
export interface DeviceCheckAnswer {
  readonly status: 200 | 204;
  readonly headers: HeaderList;
  /** The bare update path, sent as UTF-8. */
  readonly body?: string;
  readonly bodyBytes: number;
}

/** The status a check's decision is answered with (the 404s are DomainErrors' answers). */
export function checkStatus(decision: UpdateCheck['decision']): 200 | 204 | 404 {
  switch (decision.kind) {
    case 'update-available':
      return 200;
    case 'no-update':
    case 'reinstall-loop':
      return 204;
    case 'unknown-device':
    case 'update-file-missing':
      return 404;
  }
}

const NO_UPDATE: DeviceCheckAnswer = { status: 204, headers: [], bodyBytes: 0 };

const offers = new WeakMap<UpdateFile, DeviceCheckAnswer>();
/** Answers naming a patch, kept apart from the full file's: one file's two answers never mix. */
const patchOffers = new WeakMap<DeltaPatchInfo, { readonly file: UpdateFile; readonly answer: DeviceCheckAnswer }>();

/** A patch the answer names instead of the file: the path the device downloads it from, and what it is. */
export interface OfferedPatchAnswer {
  readonly path: string;
  readonly patch: DeltaPatchInfo;
}

/**
 * 200 with the bare update path, or 204. Any other outcome is the DomainError the error table
 * turns into a 404. The device reads Content-Length bytes into a 256-byte buffer: bare path, no
 * quotes, no newline, bare `text/csv` (the seed never sent a charset).
 *
 * With `patch` (a device that asked for patches, and one is ready from its running image), the
 * body is the patch's path instead, and X-Delta-Format and X-Delta-Base-SHA256 say what it is;
 * X-Firmware-SHA256 and X-Firmware-Size stay those of the full image the patch rebuilds, which
 * the device checks before booting it.
 */
export function deviceCheckAnswer(
  { decision, file }: UpdateCheck,
  deviceId: string,
  patch?: OfferedPatchAnswer,
): DeviceCheckAnswer {
  switch (decision.kind) {
    case 'update-available': {
      if (patch !== undefined && file !== undefined) return patchAnswer(file, patch);
      const body: string = decision.updateFilePath;
      // The answer is the same for every device offered this file: made once per catalog entry
      // (the catalog hands out the same entry until the file changes).
      const known = file === undefined ? undefined : offers.get(file);
      if (known?.body === body) return known;
      const answer = pathAnswer(body, file === undefined ? [] : firmwareHeaders(file));
      if (file !== undefined) offers.set(file, answer);
      return answer;
    }
    case 'no-update':
    case 'reinstall-loop': // counted apart in the metrics; the device simply polls again
      return NO_UPDATE;
    case 'unknown-device':
      throw new DomainError('device-not-found', `no row for device ${deviceId}`);
    case 'update-file-missing':
      throw new DomainError('update-file-missing', `the update file ${decision.updateFilePath} is not in the store`);
  }
}

/** A patch's answer, made once per patch and file (and path: a rollout's names its attempt). */
function patchAnswer(file: UpdateFile, { path, patch }: OfferedPatchAnswer): DeviceCheckAnswer {
  const known = patchOffers.get(patch);
  if (known !== undefined && known.file === file && known.answer.body === path) return known.answer;
  const answer = pathAnswer(path, [
    ...firmwareHeaders(file),
    ['X-Delta-Format', patch.format],
    ['X-Delta-Base-SHA256', patch.baseImageSha256],
  ]);
  patchOffers.set(patch, { file, answer });
  return answer;
}

/** The 200 naming `body`, with `headers` before the content headers. */
function pathAnswer(body: string, headers: ReadonlyArray<readonly [string, string]>): DeviceCheckAnswer {
  const bodyBytes = Buffer.byteLength(body);
  return {
    status: 200,
    headers: [...headers, ['Content-Type', 'text/csv'], ['Content-Length', String(bodyBytes)]],
    body,
    bodyBytes,
  };
}

/** Extra headers for newer clients (the seed's client reads only the body): what the full image is. */
function firmwareHeaders(file: UpdateFile): Array<readonly [string, string]> {
  const headers: Array<readonly [string, string]> = [
    ['X-Firmware-Size', String(file.size)],
    ['X-Firmware-SHA256', file.sha256],
  ];
  const version = file.image?.version;
  if (version !== undefined && HEADER_SAFE.test(version)) headers.push(['X-Firmware-Version', version]);
  const signatures = file.image?.signatures ?? [];
  if (signatures.length > 0) headers.push(['X-Firmware-Signatures', signatureHeader(signatures)]);
  return headers;
}

/**
 * Each signature block as `<scheme>; key=<key digest>; verifies=<true|false>`, comma-separated in
 * sector order: a client can tell before downloading whether its eFuse key digest signed the image.
 */
function signatureHeader(signatures: readonly SignatureFact[]): string {
  return signatures.map((block) => `${block.scheme}; key=${block.keyDigest}; verifies=${block.verifies}`).join(', ');
}
