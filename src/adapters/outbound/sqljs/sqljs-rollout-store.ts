import type { SqlValue } from 'sql.js';
import type { Rollout } from '../../../domain/rollout/rollout.js';
import type { RolloutDefinition } from '../../../domain/rollout/rollout-definition.js';
import type { RolloutId } from '../../../domain/rollout/rollout-id.js';
import type { RolloutState } from '../../../domain/rollout/rollout-state.js';
import type { RolloutStore } from '../../../ports/rollout-store.port.js';
import type { SchemaStep } from './sqljs-database.js';
import { addedColumn, SqlJsDatabase } from './sqljs-database.js';
import { haltResumedAtOf, rolloutColumnValues, storedHaltReason, type StoredHaltReason } from '../rollout-columns.js';

// One row per rollout. `definition` is the RolloutDefinition as JSON text, `halt_reason` the
// HaltReason as JSON text (null when not halted); times are epoch ms. `position` is the
// creation order: given at the first put of an id and kept by every replace.
export const ROLLOUT_SCHEMA: readonly SchemaStep[] = [
  'CREATE TABLE IF NOT EXISTS rollout (' +
    'id TEXT PRIMARY KEY, position INTEGER NOT NULL, definition TEXT NOT NULL, state TEXT NOT NULL, ' +
    'wave INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, started_at INTEGER, ' +
    'wave_started_at INTEGER, resumed_at INTEGER, halt_reason TEXT, ended_at INTEGER)',
  // See rollout-columns.ts for its NULL.
  addedColumn('rollout', 'halt_resumed_at', 'INTEGER'),
  addedColumn('rollout', 'resumed_at_written', 'INTEGER'),
];
const COLUMNS =
  'id, definition, state, wave, created_at, updated_at, started_at, wave_started_at, resumed_at, halt_reason, ' +
  'ended_at, halt_resumed_at, resumed_at_written';
const SELECT_ALL = `SELECT ${COLUMNS} FROM rollout ORDER BY position`;
/**
 * An upsert that keeps the row, and so its position. The position is computed in the statement:
 * a replay from the journal runs in the same order onto the same rows, so it gives the same one
 * (and a replay onto a file that has the row already only updates it).
 */
const UPSERT =
  `INSERT INTO rollout (position, ${COLUMNS}) VALUES ((SELECT coalesce(max(position), 0) + 1 FROM rollout), ` +
  '?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ' +
  COLUMNS.split(', ')
    .filter((column) => column !== 'id')
    .map((column) => `${column} = excluded.${column}`)
    .join(', ');

/** Rollouts in a `rollout` table of the sql.js database. */
export class SqlJsRolloutStore implements RolloutStore {
  /** `ownsDatabase`: closing the store closes the database. */
  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Opens `file` with this table only (creating both when missing). */
  static async open(file: string): Promise<SqlJsRolloutStore> {
    return new SqlJsRolloutStore(await SqlJsDatabase.open(file, ROLLOUT_SCHEMA), true);
  }

  async list(): Promise<Rollout[]> {
    return this.database.all(SELECT_ALL, [], toRollout);
  }

  async put(rollout: Rollout): Promise<void> {
    await this.database.write([[UPSERT, rolloutColumnValues(rollout)]]);
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

function toRollout(row: SqlValue[]): Rollout {
  const time = (value: SqlValue | undefined) => (value === null || value === undefined ? null : Number(value));
  return {
    id: String(row[0]) as RolloutId,
    definition: JSON.parse(String(row[1])) as RolloutDefinition,
    state: String(row[2]) as RolloutState,
    wave: Number(row[3]),
    createdAt: Number(row[4]),
    updatedAt: Number(row[5]),
    startedAt: time(row[6]),
    waveStartedAt: time(row[7]),
    resumedAt: time(row[8]),
    haltResumedAt: haltResumedAtOf(time(row[11]), time(row[8]), time(row[12])),
    haltReason: row[9] === null ? null : storedHaltReason(JSON.parse(String(row[9])) as StoredHaltReason),
    endedAt: time(row[10]),
  };
}
