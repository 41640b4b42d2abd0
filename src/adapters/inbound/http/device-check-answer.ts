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

/**
 * 200 with the bare update path, or 204. Any other outcome is the DomainError the error table
 * turns into a 404. The device reads Content-Length bytes into a 256-byte buffer: bare path, no
 * quotes, no newline, bare `text/csv` (the seed never sent a charset).
 */
export function deviceCheckAnswer({ decision, file }: UpdateCheck, deviceId: string): DeviceCheckAnswer {
  switch (decision.kind) {
    case 'update-available': {
      const body: string = decision.updateFilePath;
      // The answer is the same for every device offered this file: made once per catalog entry
      // (the catalog hands out the same entry until the file changes).
      const known = file === undefined ? undefined : offers.get(file);
      if (known?.body === body) return known;
      const bodyBytes = Buffer.byteLength(body);
      const headers: Array<readonly [string, string]> = [];
      // Extra headers for newer clients; the seed's client reads only the body.
      if (file !== undefined) {
        headers.push(['X-Firmware-Size', String(file.size)], ['X-Firmware-SHA256', file.sha256]);
        const version = file.image?.version;
        if (version !== undefined && HEADER_SAFE.test(version)) headers.push(['X-Firmware-Version', version]);
        const signatures = file.image?.signatures ?? [];
        if (signatures.length > 0) headers.push(['X-Firmware-Signatures', signatureHeader(signatures)]);
      }
      headers.push(['Content-Type', 'text/csv'], ['Content-Length', String(bodyBytes)]);
      const answer: DeviceCheckAnswer = { status: 200, headers, body, bodyBytes };
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

/**
 * Each signature block as `<scheme>; key=<key digest>; verifies=<true|false>`, comma-separated in
 * sector order: a client can tell before downloading whether its eFuse key digest signed the image.
 */
function signatureHeader(signatures: readonly SignatureFact[]): string {
  return signatures.map((block) => `${block.scheme}; key=${block.keyDigest}; verifies=${block.verifies}`).join(', ');
}
