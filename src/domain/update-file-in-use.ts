import { DomainError } from './domain-error.js';

// Enough ids to find the rows by; the whole list travels beside the message (see deviceIds).
const NAMED_IN_MESSAGE = 5;

/**
 * A stored file that device rows still name is not deleted unless the operator insists: each of
 * those devices would be told 404 at its next check. Carries the rows' device ids.
 */
export class UpdateFileInUse extends DomainError {
  constructor(
    path: string,
    readonly deviceIds: readonly string[],
  ) {
    const shown = deviceIds.slice(0, NAMED_IN_MESSAGE).join(', ');
    const more = deviceIds.length > NAMED_IN_MESSAGE ? ` and ${deviceIds.length - NAMED_IN_MESSAGE} more` : '';
    super(
      'file-in-use',
      `${path} is named by ${deviceIds.length} device row${deviceIds.length === 1 ? '' : 's'} (${shown}${more}): ` +
        'reassign or unassign them first, or delete with force (?force=true), after which their devices are told 404',
    );
    this.name = 'UpdateFileInUse';
  }
}
