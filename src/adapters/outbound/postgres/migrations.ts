import { DEVICE_APP } from './migrations/0001-device-app.js';
import { DEVICE_CREDENTIAL } from './migrations/0002-device-credential.js';
import { UPDATE_FILE } from './migrations/0003-update-file.js';
import { PENALTY_CLEARANCE } from './migrations/0004-penalty-clearance.js';
import { ROLLOUT } from './migrations/0005-rollout.js';
import { AUDIT_RECORD } from './migrations/0006-audit-record.js';
import { DEVICE_INVENTORY } from './migrations/0007-device-inventory.js';
import { UPDATE_ATTEMPT } from './migrations/0008-update-attempt.js';
import { FLEET_EVENT } from './migrations/0009-fleet-event.js';
import { INVENTORY_LAST_SEEN } from './migrations/0010-inventory-last-seen.js';
import { TRUSTED_KEY } from './migrations/0011-trusted-key.js';
import { ATTEMPT_ROLLOUT_LOAD } from './migrations/0012-attempt-rollout-load.js';
import { OPERATOR_SESSION } from './migrations/0013-operator-session.js';
import { ATTEMPT_DELIVERY } from './migrations/0014-attempt-delivery.js';
import { ATTEMPT_OFFER_ADDRESS } from './migrations/0015-attempt-offer-address.js';
import { ROLLOUT_HALT_RESUMED_AT } from './migrations/0016-rollout-halt-resumed-at.js';
import { ROLLOUT_RESUMED_AT_WRITTEN } from './migrations/0017-rollout-resumed-at-written.js';
import type { Queryable } from './postgres-database.js';

/**
 * One step of the schema: applied once, in version order, never undone nor edited once released
 * (a change is a new migration). Its statements run in the transaction that records it, so a
 * migration is applied whole or not at all (PostgreSQL's DDL is transactional; a statement that
 * cannot run in a transaction, such as CREATE INDEX CONCURRENTLY, has no place here).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** The schema this code works with, oldest first; versions are 1, 2, 3... without gaps. */
export const MIGRATIONS: readonly Migration[] = [
  DEVICE_APP,
  DEVICE_CREDENTIAL,
  UPDATE_FILE,
  PENALTY_CLEARANCE,
  ROLLOUT,
  AUDIT_RECORD,
  DEVICE_INVENTORY,
  UPDATE_ATTEMPT,
  FLEET_EVENT,
  INVENTORY_LAST_SEEN,
  TRUSTED_KEY,
  ATTEMPT_ROLLOUT_LOAD,
  OPERATOR_SESSION,
  ATTEMPT_DELIVERY,
  ATTEMPT_OFFER_ADDRESS,
  ROLLOUT_HALT_RESUMED_AT,
  ROLLOUT_RESUMED_AT_WRITTEN,
];

/**
 * The key of the transaction-level advisory lock under which migrations run: the bytes of
 * "fuota", then 0x000001. Every fuota process takes it before looking at the schema, so that
 * processes starting together apply each migration exactly once (the others wait, then find it
 * applied). Released by the transaction's end, even when the process dies.
 */
export const MIGRATION_LOCK_KEY = 0x6675_6f74_6100_0001n;

export const SCHEMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS fuota_schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** A database this code must not use: its schema is newer, or not the one these migrations made. */
export class SchemaRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaRefused';
  }
}

/**
 * Brings the schema to the last of `migrations`, inside the caller's transaction (which must be
 * open): takes the advisory lock, records each applied migration in fuota_schema_migrations.
 * Refuses a database that records a version newer than the code knows, or a recorded version
 * under another name. Resolves to the versions it applied (none when the schema was current).
 */
export async function migrate(
  transaction: Queryable,
  migrations: readonly Migration[],
  where: string,
): Promise<number[]> {
  checkOrder(migrations);
  await transaction.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
  await transaction.query(SCHEMA_MIGRATIONS_TABLE);
  const { rows } = await transaction.query<{ version: number; name: string }>(
    'SELECT version, name FROM fuota_schema_migrations ORDER BY version',
  );
  const known = migrations.at(-1)?.version ?? 0;
  const newest = rows.at(-1);
  if (newest !== undefined && newest.version > known) {
    throw new SchemaRefused(
      `the database at ${where} is at schema version ${newest.version} (${newest.name}), newer than this ` +
        `fuota knows (${known}): run a fuota at least as new as the one that migrated it`,
    );
  }
  const recorded = new Map(rows.map((row) => [row.version, row.name]));
  const applied: number[] = [];
  for (const migration of migrations) {
    const name = recorded.get(migration.version);
    if (name !== undefined) {
      if (name !== migration.name) {
        throw new SchemaRefused(
          `the database at ${where} records schema version ${migration.version} as "${name}", ` +
            `where this fuota has "${migration.name}": it was not migrated by fuota`,
        );
      }
      continue;
    }
    for (const statement of migration.statements) await transaction.query(statement);
    await transaction.query('INSERT INTO fuota_schema_migrations (version, name) VALUES ($1, $2)', [
      migration.version,
      migration.name,
    ]);
    applied.push(migration.version);
  }
  return applied;
}

/** Versions 1, 2, 3... in order, each named: a mistake here is the code's, caught at open. */
function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1 || migration.name === '') {
      throw new Error(`migration ${index + 1} is numbered ${migration.version} ("${migration.name}")`);
    }
  });
}
