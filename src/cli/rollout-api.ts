import type { z } from 'zod';
import type {
  devicePenaltiesSchema,
  rolloutDeviceListSchema,
  rolloutListSchema,
  rolloutPreviewSchema,
  rolloutViewSchema,
} from '../adapters/inbound/http/rollout-schemas.js';
import type { ApiClient } from './api-client.js';
import { apiPath, failureOf } from './api-client.js';
import { isRolloutId, ROLLOUT_ID_RULE } from '../domain/rollout/rollout-id.js';
import { CliFailure, EXIT } from './exit-codes.js';

/** The rollouts' answers, as the server's schemas describe them. */
export type RolloutJson = z.output<typeof rolloutViewSchema>;
export type RolloutListJson = z.output<typeof rolloutListSchema>;
export type RolloutPreviewJson = z.output<typeof rolloutPreviewSchema>;
export type RolloutDeviceListJson = z.output<typeof rolloutDeviceListSchema>;
export type DevicePenaltiesJson = z.output<typeof devicePenaltiesSchema>;

export type RolloutAction = 'start' | 'pause' | 'resume' | 'advance' | 'abort';

/** One bad field of a refused definition, as the server names it. */
interface FieldProblemJson {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * A refused request said plainly: a rollout or device that does not exist as "not found: ...",
 * an invalid definition with each bad field on a line of its own.
 */
function rolloutFailure(failure: CliFailure): CliFailure {
  const problem = failure.problem as { code?: unknown; detail?: unknown; problems?: unknown } | undefined;
  if (problem?.code === 'rollout-not-found' || problem?.code === 'device-not-found') {
    return new CliFailure(`not found: ${String(problem.detail ?? 'no such rollout')}`, EXIT.notFound, problem);
  }
  if (problem?.code === 'invalid-rollout' && Array.isArray(problem.problems) && problem.problems.length > 0) {
    const lines = (problem.problems as FieldProblemJson[]).map(
      (one) => `  ${one.path.length === 0 ? '(body)' : one.path.join('.')}: ${one.message}`,
    );
    return new CliFailure(`the rollout is not valid:\n${lines.join('\n')}`, failure.code, problem);
  }
  return failure;
}

async function jsonOf<T>(
  client: ApiClient,
  method: string,
  path: string,
  expected: number,
  body?: unknown,
): Promise<T> {
  const res = await client.send(
    method,
    path,
    body === undefined
      ? {}
      : { headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) },
  );
  if (res.status !== expected) throw rolloutFailure(failureOf(res));
  return JSON.parse(res.body.toString('utf8')) as T;
}

/**
 * A malformed id is invalid input, exit 5 as a malformed device id or path is: the server
 * answers it 404, as an id no rollout has (exit 4, "not found").
 */
const rolloutPath = (id: string, ...rest: string[]) => {
  if (id !== '' && !isRolloutId(id))
    throw new CliFailure(`${id} is not a rollout id: ${ROLLOUT_ID_RULE}`, EXIT.rejected);
  return apiPath('api', 'v1', 'rollouts', id, ...rest);
};

export const createRollout = (client: ApiClient, definition: Record<string, unknown>) =>
  jsonOf<RolloutJson>(client, 'POST', '/api/v1/rollouts', 201, definition);

export const changeRollout = (client: ApiClient, id: string, patch: Record<string, unknown>) =>
  jsonOf<RolloutJson>(client, 'PATCH', rolloutPath(id), 200, patch);

export const listRollouts = (client: ApiClient, state?: string) =>
  jsonOf<RolloutListJson>(
    client,
    'GET',
    `/api/v1/rollouts${state === undefined ? '' : `?${new URLSearchParams({ state }).toString()}`}`,
    200,
  );

export const getRollout = (client: ApiClient, id: string) => jsonOf<RolloutJson>(client, 'GET', rolloutPath(id), 200);

export const previewRollout = (client: ApiClient, id: string) =>
  jsonOf<RolloutPreviewJson>(client, 'POST', rolloutPath(id, 'preview'), 200);

export const actOnRollout = (client: ApiClient, id: string, action: RolloutAction) =>
  jsonOf<RolloutJson>(client, 'POST', rolloutPath(id, action), 200);

export const rolloutDevices = (client: ApiClient, id: string, state?: string) =>
  jsonOf<RolloutDeviceListJson>(
    client,
    'GET',
    `${rolloutPath(id, 'devices')}${state === undefined ? '' : `?${new URLSearchParams({ state }).toString()}`}`,
    200,
  );

const penaltyPath = (device: string) => apiPath('api', 'v1', 'devices', device, 'penalty');

export const devicePenalties = (client: ApiClient, device: string) =>
  jsonOf<DevicePenaltiesJson>(client, 'GET', penaltyPath(device), 200);

export async function clearPenalty(client: ApiClient, device: string): Promise<void> {
  const res = await client.send('DELETE', penaltyPath(device));
  if (res.status !== 204) throw rolloutFailure(failureOf(res));
}
