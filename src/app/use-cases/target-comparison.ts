import type { Sha256Factory } from '../../domain/firmware/sha256-hasher.js';
import { hexOf } from '../../domain/hex.js';
import { recordContent } from './migration-log-tail.js';
import { ALL_ATTEMPTS, type MigratedTable, type MigrationStores } from './migration-stores.js';

/*
 * Whether the target's keyed rows are an earlier run's copy of the source's, before anything is
 * written. A run writes each source row whole under its key (device id, path, rollout id...), so
 * a target holding the rows of an earlier run, interrupted or not, holds for each key either
 * nothing yet or exactly the source's row. Any other row was written by someone else: a server
 * started on the target since (which changes inventory entries, update attempts, rollouts and
 * catalog entries on its own, writing no event or audit record for them), another fleet's
 * storage, or a data dir changed since it was copied. Copying over such a row would silently
 * roll back what was written there, so the migration refuses instead.
 *
 * Each table is read once on each side: the target's rows as one digest per key, then the
 * source's compared with them as they stream by (so memory holds a digest per target row, and
 * none on a first run). What is not compared: the operators' sign-ins (never copied, so never
 * overwritten; a sign-in is in the audit log anyway) and the two logs (see migration-log-tail.ts).
 */

/** The tables compared row by row (the files by path only: their bytes are the catalog's to describe). */
export type ComparedTable = Exclude<MigratedTable, 'events' | 'audit'>;

export interface TargetComparison {
  /** One line per row that is not an earlier run's copy (at most `limit`, then how many more). */
  readonly differences: readonly string[];
  /** How many rows each source table holds (the files excepted: their check counts them). */
  readonly sourceCounts: Readonly<Partial<Record<ComparedTable, number>>>;
}

export interface ComparisonOptions {
  /** The files are copied into a store of the target's own: compare their paths, and catalog entries as the copy rewrites them. */
  readonly compareFiles: boolean;
  /**
   * An earlier run copied everything and verified it: the target then held every source row, so
   * one it lacks now was removed from it since (a server prunes old update attempts, say), or
   * added to the data dir since. Either way it is a difference, not a row still to copy.
   */
  readonly complete: boolean;
  readonly limit?: number;
}

interface Table<R> {
  readonly table: ComparedTable;
  /** What one row is called in a line: "inventory entry". */
  readonly what: string;
  rows(stores: MigrationStores): AsyncIterable<R> | Iterable<R>;
  key(row: R): string;
  /** The row as compared: what a run writes of it (fields the copy sets anew left out). */
  compared(row: R): object;
  /** The target's row of `source`'s key, to say which fields differ. */
  find(stores: MigrationStores, source: R): Promise<R | undefined>;
  /**
   * One missing from the target is copied again even after a verified run: no server removes an
   * update file but with its catalog entry (which is compared), and a rerun is how a file lost
   * from the bucket is put back.
   */
  readonly copiedAgain?: true;
}

const table = <R>(spec: Table<R>): Table<R> => spec;

/** Every compared table, its rows typed apart (a list of them can only say `unknown`). */
function tables(compareFiles: boolean): Array<Table<unknown>> {
  const all = [
    ...(compareFiles
      ? [
          table({
            table: 'files',
            what: 'update file',
            rows: (stores) => stores.files.list(),
            key: (path) => path,
            // Its bytes are checked through its catalog entry, and after the copy, read back.
            compared: () => ({}),
            find: async () => undefined,
            copiedAgain: true,
          }),
        ]
      : []),
    table({
      table: 'catalog',
      what: 'catalog entry',
      rows: (stores) => stores.catalog.list(),
      key: (entry) => entry.path,
      // A copied file is another version in another store: its entry gets the copy's time and token.
      compared: ({ modifiedAtMs, changeToken, ...entry }) =>
        compareFiles ? entry : { ...entry, modifiedAtMs, changeToken },
      find: (stores, entry) => stores.catalog.get(entry.path),
    }),
    table({
      table: 'devices',
      what: 'device row',
      rows: (stores) => stores.devices.list(),
      key: (row) => row.deviceId,
      compared: (row) => row,
      find: (stores, row) => stores.devices.get(row.deviceId),
    }),
    table({
      table: 'deviceCredentials',
      what: 'device credential',
      rows: (stores) => stores.deviceCredentials.list(),
      key: (credential) => credential.deviceId,
      compared: (credential) => credential,
      find: (stores, credential) => stores.deviceCredentials.get(credential.deviceId),
    }),
    table({
      table: 'inventory',
      what: 'inventory entry',
      rows: (stores) => stores.inventory.list(),
      key: (entry) => entry.id,
      compared: (entry) => entry,
      find: async (stores, entry) => (await stores.inventory.getMany([entry.id]))[0],
    }),
    table({
      table: 'attempts',
      what: 'update attempt',
      rows: (stores) => stores.attempts.recent(ALL_ATTEMPTS),
      key: (attempt) => attempt.id,
      compared: (attempt) => attempt,
      find: async (stores, attempt) =>
        (await stores.attempts.forDevice(attempt.deviceId, ALL_ATTEMPTS)).find((stored) => stored.id === attempt.id),
    }),
    table({
      table: 'penaltyClearances',
      what: 'penalty clearance of',
      rows: async function* (stores) {
        for (const [deviceId, at] of await stores.penaltyClearances.list()) yield { deviceId, at };
      },
      key: (clearance) => clearance.deviceId,
      compared: ({ at }) => ({ at }),
      find: async (stores, clearance) => {
        const at = (await stores.penaltyClearances.list()).get(clearance.deviceId);
        return at === undefined ? undefined : { deviceId: clearance.deviceId, at };
      },
    }),
    table({
      table: 'trustedKeys',
      what: 'trusted key',
      rows: (stores) => listed(stores.trustedKeys.list()),
      key: (key) => key.keyDigest,
      compared: (key) => key,
      find: async (stores, key) =>
        (await stores.trustedKeys.list()).find((stored) => stored.keyDigest === key.keyDigest),
    }),
    table({
      table: 'rollouts',
      what: 'rollout',
      rows: (stores) => listed(stores.rollouts.list()),
      key: (rollout) => rollout.id,
      compared: (rollout) => rollout,
      find: async (stores, rollout) => (await stores.rollouts.list()).find((stored) => stored.id === rollout.id),
    }),
  ];
  return all as unknown as Array<Table<unknown>>;
}

async function* listed<T>(items: Promise<readonly T[]>): AsyncIterable<T> {
  yield* await items;
}

/** Compares every keyed table of `target` with `source`'s (see the comment above). */
export async function compareTarget(
  source: MigrationStores,
  target: MigrationStores,
  sha256: Sha256Factory,
  options: ComparisonOptions,
): Promise<TargetComparison> {
  const limit = options.limit ?? 10;
  const differences: string[] = [];
  let unlisted = 0;
  const note = (line: string) => {
    if (differences.length < limit) differences.push(line);
    else unlisted += 1;
  };
  const sourceCounts: Partial<Record<ComparedTable, number>> = {};
  for (const spec of tables(options.compareFiles)) {
    const targetRows = new Map<string, string>();
    for await (const row of spec.rows(target)) targetRows.set(spec.key(row), digestOf(sha256, spec.compared(row)));
    let count = 0;
    for await (const row of spec.rows(source)) {
      count += 1;
      const key = spec.key(row);
      const copy = targetRows.get(key);
      if (copy === undefined) {
        if (options.complete && spec.copiedAgain !== true)
          note(`${spec.what} ${key}: in the data dir, not in the target, which an earlier run verified complete`);
        continue;
      }
      targetRows.delete(key);
      if (copy === digestOf(sha256, spec.compared(row))) continue;
      if (differences.length >= limit) {
        unlisted += 1;
        continue;
      }
      const stored = await spec.find(target, row);
      note(
        `${spec.what} ${key}: ${stored === undefined ? 'differs' : fieldsDiffering(spec.compared(stored), spec.compared(row))}`,
      );
    }
    for (const key of targetRows.keys()) note(`${spec.what} ${key}: in the target, not in the data dir`);
    sourceCounts[spec.table] = count;
  }
  if (unlisted > 0) differences.push(`and ${unlisted} more rows that differ`);
  return { differences, sourceCounts };
}

const utf8 = new TextEncoder();

/** The row's content as 128 bits of its SHA-256: what the target's side keeps of each row. */
function digestOf(sha256: Sha256Factory, row: object): string {
  const hasher = sha256();
  hasher.update(utf8.encode(recordContent(row)));
  return hexOf(hasher.digest().subarray(0, 16));
}

/** "polls 7 in the target, 2 in the data dir; ...": each top-level field whose value differs. */
export function fieldsDiffering(target: object, source: object): string {
  const a = target as Record<string, unknown>;
  const b = source as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const differing = fields.filter((field) => recordContent({ v: a[field] }) !== recordContent({ v: b[field] }));
  return differing
    .map((field) => `${field} ${shown(a[field])} in the target, ${shown(b[field])} in the data dir`)
    .join('; ');
}

/** A value as JSON, cut short when long. */
function shown(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
