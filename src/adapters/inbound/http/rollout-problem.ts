import type { RolloutOperationError } from '../../../app/rollout/rollout-operations.js';
import type { Problem } from './problem.js';
import { problemWithStatus } from './problem.js';

export type RolloutErrorCode = RolloutOperationError['code'];

/**
 * The statuses of the rollout service's codes (issue 17). They belong in the one table of
 * error-status.ts, which takes only the codes listed in src/domain/domain-error.ts; until they
 * are listed there, they have this table of their own, exhaustive in the same way.
 */
export const ROLLOUT_ERROR_STATUS: Readonly<Record<RolloutErrorCode, number>> = {
  'invalid-rollout': 400,
  'rollout-not-found': 404,
  'rollout-state-conflict': 409,
  'rollout-wave-conflict': 409,
};

/** The problem answering a refused rollout operation; an invalid definition names every bad field in `problems`. */
export function rolloutProblem(error: RolloutOperationError): Problem {
  const problems = error.problems.map((problem) => ({ path: [...problem.path], message: problem.message }));
  return problemWithStatus(
    ROLLOUT_ERROR_STATUS[error.code],
    error.code,
    error.message,
    error.code === 'invalid-rollout' ? { problems } : {},
  );
}
