import type { InventoryEntry } from '../../domain/fleet/inventory-entry.js';

/** What an operator sets of a device's entry: the fields given. */
export interface OperatorChange {
  readonly tags?: readonly string[];
  readonly hold?: boolean;
  readonly note?: string;
}

/** Tags as kept: trimmed, without empty ones or repeats, sorted. */
export function normalizedTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((tag) => tag.trim()).filter((tag) => tag !== ''))].sort();
}

/**
 * The part of `change` that would change `entry` (tags compared as kept), or undefined when none
 * would: a hold set twice, or a note given as it is, is no change, and makes no event and no audit
 * record (an operator's repeated command used to add one of each every time).
 */
export function effectiveChange(change: OperatorChange, entry: InventoryEntry): OperatorChange | undefined {
  const tags = change.tags === undefined ? undefined : normalizedTags(change.tags);
  const effective: OperatorChange = {
    ...(tags === undefined || sameList(tags, normalizedTags(entry.tags)) ? {} : { tags }),
    ...(change.hold === undefined || change.hold === entry.hold ? {} : { hold: change.hold }),
    ...(change.note === undefined || change.note === entry.note ? {} : { note: change.note }),
  };
  return Object.keys(effective).length === 0 ? undefined : effective;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
