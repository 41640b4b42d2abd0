import type { DeviceId } from '../../domain/device-id.js';
import type { AttemptState } from '../../domain/fleet/attempt-state.js';
import type { FieldProblem } from '../../domain/rollout/field-problem.js';
import type { RolloutInput } from '../../domain/rollout/rollout-definition.js';
import type { RolloutId } from '../../domain/rollout/rollout-id.js';
import type { AuditSource } from '../audit/audit-trail.js';
import type {
  RolloutEdit,
  RolloutOperations,
  RolloutOperatorAction,
  RolloutView,
} from '../rollout/rollout-operations.js';
import { RolloutOperationError } from '../rollout/rollout-operations.js';
import type { TrustedKeys } from './trusted-keys.js';
import type { UpdateFileDescriber } from './update-file-describer.js';

/** The actions that make a rollout offer its image (again, or to more devices): refused for an image not trusted now. */
const OFFERING_ACTIONS: ReadonlySet<RolloutOperatorAction> = new Set(['start', 'resume', 'advance']);

/**
 * The operators' rollouts, refusing a target image that is not signed by a trusted key while
 * trusted keys are set: at create and edit (a problem of `file`, beside the definition's others),
 * and at start, resume and advance, since keys may have changed since the rollout was made. Everything
 * else is the rollouts' own.
 */
export class SignedTargetRollouts implements RolloutOperations {
  constructor(
    private readonly inner: RolloutOperations,
    private readonly trustedKeys: TrustedKeys,
    private readonly describer: UpdateFileDescriber,
  ) {}

  targeting = (path: string) => this.inner.targeting(path);
  problemsOf = (input: RolloutInput) => this.inner.problemsOf(input);
  list = () => this.inner.list();
  get = (id: RolloutId) => this.inner.get(id);
  preview = (id: RolloutId) => this.inner.preview(id);
  previewDefinition = (input: RolloutInput) => this.inner.previewDefinition(input);
  devices = (id: RolloutId, state?: AttemptState) => this.inner.devices(id, state);
  penalties = (deviceId: DeviceId) => this.inner.penalties(deviceId);
  rolledBack = (deviceId: DeviceId) => this.inner.rolledBack(deviceId);
  clearPenalty = (deviceId: DeviceId, who: AuditSource) => this.inner.clearPenalty(deviceId, who);

  async create(input: RolloutInput, who: AuditSource): Promise<RolloutView> {
    await this.refuseWithUntrusted(input);
    return this.inner.create(input, who);
  }

  async edit(id: RolloutId, edit: RolloutEdit, who: AuditSource): Promise<RolloutView> {
    // Judged on the definition as it is now (the check reads the image, so it cannot wait for the
    // edit's turn): a file the edit sets is this one; a file it keeps was judged when it was set.
    const current = this.inner.get(id)?.rollout.definition;
    if (current !== undefined) await this.refuseWithUntrusted(edit(current));
    return this.inner.edit(id, edit, who);
  }

  async act(id: RolloutId, action: RolloutOperatorAction, who: AuditSource): Promise<RolloutView> {
    const file = this.inner.get(id)?.rollout.definition.file;
    if (OFFERING_ACTIONS.has(action) && file !== undefined) {
      const problem = await this.untrusted(file);
      if (problem !== undefined) {
        throw new RolloutOperationError('invalid-rollout', `the rollout cannot ${action}: ${problem.message}`, [
          problem,
        ]);
      }
    }
    return this.inner.act(id, action, who);
  }

  /** The definition's problems with the untrusted target's added, thrown when there is that one. */
  private async refuseWithUntrusted(input: RolloutInput): Promise<void> {
    if (typeof input.file !== 'string') return;
    const problem = await this.untrusted(input.file);
    if (problem === undefined) return;
    const problems = [...this.inner.problemsOf(input).filter((one) => one.path[0] !== 'file'), problem];
    const text = problems.map((one) => `${one.path.join('.') || '(body)'}: ${one.message}`).join('; ');
    throw new RolloutOperationError('invalid-rollout', `the rollout is not valid: ${text}`, problems);
  }

  /** A problem of `file` when trusted keys are set and the stored image there is not signed by one. */
  private async untrusted(path: string): Promise<FieldProblem | undefined> {
    const image = (await this.describer.describe(path))?.image;
    // No stored image there: the rollouts' own check says so.
    if (image === undefined) return undefined;
    const verdict = await this.trustedKeys.verdict(image);
    if (verdict === undefined || verdict.trusted) return undefined;
    return {
      path: ['file'],
      message: `${path} is not signed by a trusted key (${verdict.reason}): ${verdict.detail}`,
    };
  }
}
