import { DomainError } from '../domain-error.js';

/** Why an upload is not an application image a device would accept. */
export type ImageRejectionReason =
  | 'pre-encrypted-image'
  | 'bad-magic'
  | 'bad-segment-count'
  | 'bad-hash-flag'
  | 'unknown-chip'
  | 'segment-misaligned'
  | 'segment-too-large'
  | 'truncated'
  | 'app-descriptor-missing'
  | 'string-not-terminated'
  | 'checksum-mismatch'
  | 'sha256-mismatch'
  | 'signature-invalid'
  | 'trailing-data';

/** The image would be refused by a device; nothing of it is stored. */
export class ImageRejected extends DomainError {
  constructor(
    readonly reason: ImageRejectionReason,
    message: string,
  ) {
    super('invalid-image', message);
    this.name = 'ImageRejected';
  }
}
