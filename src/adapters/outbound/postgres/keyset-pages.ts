import type pg from 'pg';
import type { PostgresDatabase } from './postgres-database.js';

/**
 * Every row of a table in ascending key order, a page at a time (one page in memory):
 * `firstPage` takes the page size as `$1`; `nextPage` the last key read as `$1` and the size as `$2`.
 */
export async function* keysetPages<Row extends pg.QueryResultRow>(
  database: PostgresDatabase,
  queries: { readonly firstPage: string; readonly nextPage: string },
  pageSize: number,
  keyOf: (row: Row) => string,
): AsyncIterable<Row> {
  let after: string | undefined;
  for (;;) {
    const { rows } =
      after === undefined
        ? await database.query<Row>(queries.firstPage, [pageSize])
        : await database.query<Row>(queries.nextPage, [after, pageSize]);
    yield* rows;
    if (rows.length < pageSize) return;
    after = keyOf(rows[rows.length - 1]!);
  }
}
