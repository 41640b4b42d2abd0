import type { TransportErrorCode } from '../../../domain/domain-error.js';

/**
 * A request refused by the HTTP layer itself, deep in a route (a body of the wrong type, an
 * upload cut short): thrown like a DomainError and answered through the same status table, but
 * with a code no use case may raise.
 */
export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
