import type { InventoryEntry, InventorySighting } from './inventory-entry.js';

/*
 * How writes of one entry from several servers combine, whatever order they reach storage in:
 * every server counts its own checks and writes how many there were since its last write, so
 * the counts add up; the fields a check sets (version, address, interval, last answer...) come
 * from the latest check any server saw (ties go to the write that arrives later); the first
 * sighting is the earliest; operators' fields are only ever changed by operators. The stores
 * apply the same rules in SQL; the server applies them to what it reads back from the others.
 */

/** The stored entry after a sighting: a new entry (no tags, no hold, no note) when there was none. */
export function mergeSighting(stored: InventoryEntry | undefined, sighting: InventorySighting): InventoryEntry {
  const { newPolls, pollOnly: _pollOnly, ...fields } = sighting;
  if (stored === undefined) return { ...fields, polls: newPolls, tags: [], hold: false, note: '' };
  const newer = sighting.lastSeen >= stored.lastSeen;
  return {
    ...(newer ? fields : stored),
    id: stored.id,
    firstSeen: Math.min(stored.firstSeen, sighting.firstSeen),
    polls: stored.polls + newPolls,
    tags: stored.tags,
    hold: stored.hold,
    note: stored.note,
  };
}

/**
 * An entry as one server shows it: `stored` as read back (every server's written checks), plus
 * what this server saw and has not written yet (`local`, with `unwritten` checks not in `stored`).
 */
export function withUnwritten(
  stored: InventoryEntry,
  local: InventoryEntry | undefined,
  unwritten: number,
): InventoryEntry {
  if (local === undefined || unwritten === 0) return stored;
  const { polls: _polls, tags: _tags, hold: _hold, note: _note, ...sighting } = local;
  return mergeSighting(stored, { ...sighting, newPolls: unwritten });
}

/** One sighting per id, each the merge of that id's sightings in the list (first-named order). */
export function combineSightings(sightings: readonly InventorySighting[]): InventorySighting[] {
  const byId = new Map<string, InventorySighting>();
  for (const sighting of sightings) {
    const known = byId.get(sighting.id);
    if (known === undefined) {
      byId.set(sighting.id, sighting);
      continue;
    }
    const newer = sighting.lastSeen >= known.lastSeen ? sighting : known;
    byId.set(sighting.id, {
      ...newer,
      firstSeen: Math.min(known.firstSeen, sighting.firstSeen),
      newPolls: known.newPolls + sighting.newPolls,
      pollOnly: known.pollOnly === true && sighting.pollOnly === true,
    });
  }
  return [...byId.values()];
}
