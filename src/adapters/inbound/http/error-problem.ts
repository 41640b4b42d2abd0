import { RolloutOperationError } from '../../../app/rollout/rollout-operations.js';
import { isDomainError } from '../../../domain/domain-error.js';
import { ImageRejected } from '../../../domain/firmware/image-rejection.js';
import { UntrustedSignature } from '../../../domain/firmware/untrusted-signature.js';
import type { Problem } from './problem.js';
import { clippedSaying, httpErrorProblem, problem } from './problem.js';
import { TransportError } from './transport-error.js';

/** A problem's message at most, in characters (see clippedSaying). */
const MAX_MESSAGE = 300;

interface HttpError extends Error {
  status?: number;
  expose?: boolean;
}

/**
 * The problem that answers a failure, for both adapters: domain and transport errors through the
 * status table (an invalid rollout with every bad field), HTTP errors raised by Koa middleware
 * (body too large, bad JSON...) as they are, and anything else as a 500 that reveals nothing of
 * the server's internals; `unexpected` is told of those, to log them with their stack.
 */
/** What a problem adds for some errors: the image's rejection reason, a rollout's bad fields. */
function extraOf(caught: Error): Record<string, unknown> | undefined {
  if (caught instanceof ImageRejected) return { reason: caught.reason };
  if (caught instanceof UntrustedSignature) return { reason: caught.reason, signatures: caught.signatures };
  if (caught instanceof RolloutOperationError && caught.code === 'invalid-rollout') {
    return {
      problems: caught.problems.map((one) => ({
        path: [...one.path].map((part) => (typeof part === 'string' ? clippedSaying(part, MAX_MESSAGE) : part)),
        message: clippedSaying(one.message, MAX_MESSAGE),
      })),
    };
  }
  return undefined;
}

export function errorProblem(
  caught: unknown,
  unexpected: (error: unknown) => void,
  unavailable: (error: unknown) => void = unexpected,
): Problem {
  if (isDomainError(caught) && caught.code === 'storage-unavailable') {
    // Which server failed and how is for the operator's log, not for the client.
    unavailable(caught);
    return problem(caught.code, 'the server cannot reach its storage right now; try again shortly');
  }
  if (isDomainError(caught) || caught instanceof TransportError) {
    return problem(caught.code, caught.message, extraOf(caught));
  }
  const error = caught as HttpError;
  if (error.status !== undefined && error.status >= 400 && error.status < 500) {
    return httpErrorProblem(error.status, error.expose === true ? error.message : 'bad request');
  }
  unexpected(caught);
  return problem('internal-error', 'the server failed; the error is in its log');
}
