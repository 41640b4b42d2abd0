import type { SqlValue } from 'sql.js';
import type { InventorySighting } from '../../../domain/fleet/inventory-entry.js';
import type { RowWiseStatement } from './sqljs-database.js';

/**
 * Poll-only sightings as one row-wise statement (see RowWiseStatement): rows of
 * [id, last seen, new polls, interval], journaled as `journaledSql` with a JSON array of them and
 * applied to memory by `sql` once per row.
 *
 * The rows are held until their write is durable and applied: they outlive young collections and
 * are moved into the old generation, freed only by a full collection. So they are kept as
 * columns, four objects for however many rows, and each row's parameters are one array refilled.
 * A number that is not finite is null in both forms, as JSON.stringify writes it.
 */
export function pollRowsStatement(
  sightings: readonly InventorySighting[],
  journaledSql: string,
  sql: string,
): RowWiseStatement {
  const count = sightings.length;
  const ids: string[] = new Array<string>(count);
  const lastSeen = new Float64Array(count);
  const newPolls = new Float64Array(count);
  // NaN stands for null: an interval not learned yet (or any number that is not finite).
  const intervals = new Float64Array(count);
  const json: string[] = new Array<string>(count);
  for (let i = 0; i < count; i += 1) {
    const sighting = sightings[i] as InventorySighting;
    ids[i] = sighting.id;
    lastSeen[i] = sighting.lastSeen;
    newPolls[i] = sighting.newPolls;
    intervals[i] = sighting.pollIntervalMs ?? Number.NaN;
    // As JSON.stringify writes the row.
    json[i] =
      `[${JSON.stringify(sighting.id)},${jsonNumber(sighting.lastSeen)},${jsonNumber(sighting.newPolls)},` +
      `${jsonNumber(sighting.pollIntervalMs ?? Number.NaN)}]`;
  }
  const params: SqlValue[] = ['', 0, 0, null];
  return {
    journaled: [journaledSql, [`[${json.join(',')}]`]],
    sql,
    rowCount: count,
    row: (i) => {
      params[0] = ids[i] as string;
      params[1] = finiteOrNull(lastSeen[i] as number);
      params[2] = finiteOrNull(newPolls[i] as number);
      params[3] = finiteOrNull(intervals[i] as number);
      return params;
    },
  };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}
