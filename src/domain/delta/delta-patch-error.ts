/**
 * Why a delta patch was refused, as a short stable code (`fault`) that callers and tests can rely
 * on; the message says the details. Every check the device's applier makes, and the ones fuota
 * adds (limits on sizes), ends in this one error, so that a corrupted or hostile patch can never
 * surface as anything else.
 */
export type DeltaPatchFault =
  | 'bad-magic'
  | 'bad-header'
  | 'unsupported-patch-type'
  | 'unsupported-compression'
  | 'unsupported-window'
  | 'bad-varint'
  | 'bad-length'
  | 'data-format-section'
  | 'too-large'
  | 'diff-outside-base'
  | 'truncated'
  | 'overrun'
  | 'trailing-bytes';

export class DeltaPatchError extends Error {
  override readonly name = 'DeltaPatchError';

  constructor(
    readonly fault: DeltaPatchFault,
    message: string,
  ) {
    super(`${fault}: ${message}`);
  }
}
