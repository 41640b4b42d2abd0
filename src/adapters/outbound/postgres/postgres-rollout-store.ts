import type { Rollout } from '../../../domain/rollout/rollout.js';
import type { RolloutDefinition } from '../../../domain/rollout/rollout-definition.js';
import type { RolloutId } from '../../../domain/rollout/rollout-id.js';
import type { RolloutState } from '../../../domain/rollout/rollout-state.js';
import type { RolloutStore } from '../../../ports/rollout-store.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';
import { haltResumedAtOf, rolloutColumnValues, storedHaltReason, type StoredHaltReason } from '../rollout-columns.js';

/** A bigint column: node-postgres hands it over as text. */
type BigintText = string;

interface Row {
  readonly id: string;
  /** The jsonb columns, parsed by node-postgres. */
  readonly definition: RolloutDefinition;
  readonly state: string;
  readonly wave: number;
  readonly created_at: BigintText;
  readonly updated_at: BigintText;
  readonly started_at: BigintText | null;
  readonly wave_started_at: BigintText | null;
  readonly resumed_at: BigintText | null;
  readonly halt_reason: StoredHaltReason | null;
  readonly ended_at: BigintText | null;
  /** Migration 16; see rollout-columns.ts for its NULL. */
  readonly halt_resumed_at: BigintText | null;
  /** Migration 17; see rollout-columns.ts. */
  readonly resumed_at_written: BigintText | null;
}

const COLUMNS =
  'id, definition, state, wave, created_at, updated_at, started_at, wave_started_at, resumed_at, halt_reason, ' +
  'ended_at, halt_resumed_at, resumed_at_written';
const SELECT_ALL = `SELECT ${COLUMNS} FROM rollout ORDER BY position`;
/** An upsert that keeps the row, and so its position (drawn from the identity on insert only). */
const UPSERT =
  `INSERT INTO rollout (${COLUMNS}) VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13) ` +
  'ON CONFLICT (id) DO UPDATE SET ' +
  COLUMNS.split(', ')
    .filter((column) => column !== 'id')
    .map((column) => `${column} = excluded.${column}`)
    .join(', ');

/**
 * Rollouts in PostgreSQL's `rollout` table (migration 5). This store's puts reach PostgreSQL one
 * after another, in the order they were made: a pool would otherwise let a later first put of
 * an id draw an earlier position than one made before it. (Puts from several processes are
 * ordered as PostgreSQL runs them.)
 */
export class PostgresRolloutStore implements RolloutStore {
  /** The last put under way (settled, never rejected): the next one waits for it. */
  private lastPut: Promise<unknown> = Promise.resolve();

  /** `ownsDatabase`: closing the store closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the store is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresRolloutStore> {
    return new PostgresRolloutStore(await PostgresDatabase.open(url, options), true);
  }

  async list(): Promise<Rollout[]> {
    const { rows } = await this.database.query<Row>(SELECT_ALL);
    return rows.map(toRollout);
  }

  async put(rollout: Rollout): Promise<void> {
    // The parameters are taken now: a caller changing its object afterwards changes nothing.
    const parameters = rolloutColumnValues(rollout);
    const put = this.lastPut.then(() => this.database.query(UPSERT, parameters));
    this.lastPut = put.catch(() => undefined);
    await put;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

/** Stored rows are trusted as they are, as the sql.js adapter trusts its own. */
function toRollout(row: Row): Rollout {
  const time = (value: BigintText | null) => (value === null ? null : Number(value));
  return {
    id: row.id as RolloutId,
    definition: row.definition,
    state: row.state as RolloutState,
    wave: row.wave,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: time(row.started_at),
    waveStartedAt: time(row.wave_started_at),
    resumedAt: time(row.resumed_at),
    haltResumedAt: haltResumedAtOf(time(row.halt_resumed_at), time(row.resumed_at), time(row.resumed_at_written)),
    haltReason: row.halt_reason === null ? null : storedHaltReason(row.halt_reason),
    endedAt: time(row.ended_at),
  };
}
