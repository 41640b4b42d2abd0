import type { SqlValue } from 'sql.js';
import type { InventorySighting } from '../../../domain/fleet/inventory-entry.js';
import type { RowWiseStatement } from './sqljs-database.js';

/**
 * Poll-only sightings as one row-wise statement (see RowWiseStatement): rows of
 * [id, last seen, new polls, interval], journaled as `journaledSql` with a JSON array of them and
 * applied to memory by `sql` once per row.
 *
 * The rows are held until their write is durable and applied, long enough for young collections
 * to move them into the old generation: an array per row made a large fleet's batches leave
 * garbage there every second. So they are kept as columns, four objects for however many rows,
 * and each row's parameters are one array refilled.
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
  // NaN stands for a null interval (not learned yet): a learned one is a finite number.
  const intervals = new Float64Array(count);
  const json: string[] = new Array<string>(count);
  for (let i = 0; i < count; i += 1) {
    const sighting = sightings[i] as InventorySighting;
    ids[i] = sighting.id;
    lastSeen[i] = sighting.lastSeen;
    newPolls[i] = sighting.newPolls;
    intervals[i] = sighting.pollIntervalMs ?? Number.NaN;
    // As JSON.stringify writes the row (finite numbers print alike).
    json[i] =
      `[${JSON.stringify(sighting.id)},${sighting.lastSeen},${sighting.newPolls},${sighting.pollIntervalMs ?? 'null'}]`;
  }
  const params: SqlValue[] = ['', 0, 0, null];
  return {
    journaled: [journaledSql, [`[${json.join(',')}]`]],
    sql,
    rowCount: count,
    row: (i) => {
      const interval = intervals[i] as number;
      params[0] = ids[i] as string;
      params[1] = lastSeen[i] as number;
      params[2] = newPolls[i] as number;
      params[3] = Number.isNaN(interval) ? null : interval;
      return params;
    },
  };
}
