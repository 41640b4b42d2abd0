import { expect } from 'chai';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { memoryStorage } from '../../../src/main/bootstrap/storage.js';
import { MigrateStorage, MigrationRefused, type MigrationReport } from '../../../src/app/use-cases/migrate-storage.js';
import { everyRecord, recordContent } from '../../../src/app/use-cases/migration-log-tail.js';
import { ALL_ATTEMPTS, type MigrationStores } from '../../../src/app/use-cases/migration-stores.js';
import type { AppVersion } from '../../../src/domain/app-version.js';
import type { AuditRecord } from '../../../src/domain/audit/audit-record.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { InventoryEntry } from '../../../src/domain/fleet/inventory-entry.js';
import type { UpdateAttempt } from '../../../src/domain/fleet/update-attempt.js';
import { draftRollout, type Rollout } from '../../../src/domain/rollout/rollout.js';
import type { RolloutId } from '../../../src/domain/rollout/rollout-id.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import type { BlobStore } from '../../../src/ports/blob-store.port.js';
import type { Logger } from '../../../src/ports/logger.port.js';
import { definition, T0 } from '../rollout/support/rollout-fixtures.js';

const silent: Logger = { info() {}, warn() {}, error() {}, flush: async () => {} };

const FILE = 'fw/app-2.0.bin' as UpdateFilePath;
const BYTES = Buffer.from('an update file');
const DEV_1 = 'dev-1' as DeviceId;
const DEV_2 = 'dev-2' as DeviceId;

function memoryStores(files: BlobStore = new InMemoryBlobStore()): MigrationStores {
  return { ...memoryStorage(), files };
}

const entry = (id: DeviceId, polls: number): InventoryEntry => ({
  id,
  firstSeen: T0,
  lastSeen: T0 + polls * 60_000,
  runningVersion: '1.0',
  image: null,
  address: '10.0.0.7',
  auth: 'shared',
  polls,
  pollIntervalMs: null,
  lastStatus: 200,
  tags: [],
  hold: false,
  note: '',
});

const attempt = (id: string, deviceId: DeviceId): UpdateAttempt => ({
  id,
  deviceId,
  file: FILE,
  fileSize: BYTES.length,
  version: '2.0',
  fromVersion: '1.0',
  state: 'offered',
  offeredAt: T0,
  updatedAt: T0,
  attribution: null,
  downloads: 0,
  served: [],
  provisionalAt: null,
  pollsSinceProvisional: 0,
  downloadedAt: null,
  rollout: null,
  offeredAs: 'full',
  downloadedAs: null,
  patchSize: null,
  patchId: null,
  offerAddress: '192.0.2.1',
});

const rollout: Rollout = draftRollout('r-1' as RolloutId, definition({ file: FILE }), T0);

/** A stopped server's state: a row or more in every table, a file, events and audit records. */
async function fleet(): Promise<MigrationStores> {
  const stores = memoryStores();
  const stored = await stores.files.put(
    FILE,
    (async function* () {
      yield BYTES;
    })(),
    { maxBytes: 1_000 },
  );
  await stored.settle();
  await stores.catalog.put({
    path: FILE,
    size: stored.size,
    sha256: stored.sha256,
    modifiedAtMs: stored.modifiedAt.getTime(),
    changeToken: stored.changeToken,
    storedAt: '2026-01-01T00:00:00.000Z',
    image: undefined,
  });
  await stores.devices.upsertMany([
    { deviceId: DEV_1, appVersion: '1.0' as AppVersion, updateFilePath: FILE },
    { deviceId: DEV_2, appVersion: '1.0' as AppVersion, updateFilePath: FILE },
  ]);
  await stores.deviceCredentials.put({
    deviceId: DEV_1,
    secretHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    createdAt: '2026-01-02T00:00:00.000Z',
  });
  await stores.inventory.putMany([entry(DEV_1, 2), entry(DEV_2, 3)]);
  // dev-1's first attempt is older: a server's pruning would remove it (never a device's newest).
  await stores.attempts.putMany([
    { ...attempt('a-0', DEV_1), offeredAt: T0 - 9, updatedAt: T0 - 9 },
    attempt('a-1', DEV_1),
    attempt('a-2', DEV_2),
  ]);
  await stores.penaltyClearances.put(DEV_2, T0 + 1);
  await stores.trustedKeys.put({
    keyDigest: 'c0'.repeat(32),
    scheme: 'ECDSA-P256',
    name: 'release',
    source: 'api',
    addedAt: '2026-11-28T10:00:00.000Z',
  });
  await stores.rollouts.put(rollout);
  await stores.events.append(
    [DEV_1, DEV_2].map((deviceId, n) => ({ at: T0 + n, deviceId, type: 'first-seen' as const, detail: {} })),
  );
  await stores.audit.append(
    [DEV_1, DEV_2].map((target, n) => ({
      at: T0 + n,
      actor: 'ops',
      address: '127.0.0.1',
      action: 'device-row.put' as const,
      target,
      detail: {},
      requestId: `req-${n}`,
    })),
  );
  return stores;
}

const isOwnRecord = (record: AuditRecord) => record.action === 'storage.migrate' && record.actor === 'local:migrate';

/** One run as the command makes it: the migration, then its own record in the target's audit log. */
async function migrate(source: MigrationStores, target: MigrationStores, copyFiles: boolean): Promise<MigrationReport> {
  const report = await new MigrateStorage(source, target, { copyFiles, isOwnRecord }, nodeSha256, silent).execute();
  await target.audit.append([
    {
      at: Date.now(),
      actor: 'local:migrate',
      address: null,
      action: 'storage.migrate',
      target: '/data',
      detail: { verified: report.ok },
      requestId: null,
    },
  ]);
  return report;
}

async function listed<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Every row of every store, as text: what a refused run must leave as it was. */
async function snapshot(stores: MigrationStores): Promise<string> {
  const files = [];
  for (const path of await listed(stores.files.list())) {
    const opened = await stores.files.open(path);
    files.push([path, Buffer.concat(await listed(opened!.content())).toString('base64')]);
  }
  return recordContent({
    files,
    catalog: await listed(stores.catalog.list()),
    devices: await listed(stores.devices.list()),
    deviceCredentials: await listed(stores.deviceCredentials.list()),
    inventory: await listed(stores.inventory.list()),
    attempts: await listed(stores.attempts.recent(ALL_ATTEMPTS)),
    penaltyClearances: [...(await stores.penaltyClearances.list())],
    trustedKeys: await stores.trustedKeys.list(),
    rollouts: await stores.rollouts.list(),
    events: await listed(everyRecord(stores.events)),
    audit: await listed(everyRecord(stores.audit)),
  });
}

async function refusal(
  source: MigrationStores,
  target: MigrationStores,
  copyFiles: boolean,
): Promise<MigrationRefused> {
  const before = await snapshot(target);
  const error = await migrate(source, target, copyFiles).then(
    (report) => new Error(`not refused: ${JSON.stringify(report)}`),
    (error: unknown) => error,
  );
  if (!(error instanceof MigrationRefused)) throw error;
  expect(await snapshot(target), 'the refused run wrote nothing').to.equal(before);
  return error;
}

describe('MigrateStorage: reruns', () => {
  for (const copyFiles of [true, false]) {
    const files = copyFiles ? 'into a file store of its own' : 'leaving the files where they are';
    const target = (source: MigrationStores) => memoryStores(copyFiles ? new InMemoryBlobStore() : source.files);

    it(`copies and verifies, ${files}; a rerun onto the unchanged target verifies again`, async () => {
      const source = await fleet();
      const into = target(source);
      expect((await migrate(source, into, copyFiles)).differences).to.deep.equal([]);
      const copied = await snapshot(into);
      const again = await migrate(source, into, copyFiles);
      expect(again.ok, again.differences.join('\n')).to.equal(true);
      expect(again.tables.map((check) => [check.table, check.source, check.target])).to.deep.equal([
        ['files', 1, 1],
        ['catalog', 1, 1],
        ['devices', 2, 2],
        ['deviceCredentials', 1, 1],
        ['inventory', 2, 2],
        ['attempts', 3, 3],
        ['penaltyClearances', 1, 1],
        ['trustedKeys', 1, 1],
        ['rollouts', 1, 1],
        ['events', 2, 2],
        ['audit', 2, 2],
      ]);
      // Only the second run's own record was added.
      const records = await listed(everyRecord(into.audit));
      expect(records.filter((record) => !isOwnRecord(record))).to.have.length(2);
      expect(records.filter(isOwnRecord)).to.have.length(2);
      expect(recordContent({ ...JSON.parse(copied), audit: undefined })).to.equal(
        recordContent({ ...JSON.parse(await snapshot(into)), audit: undefined }),
      );
    });

    it(`resumes an interrupted run (some rows, a prefix of each log, no verified run), ${files}`, async () => {
      const source = await fleet();
      const into = target(source);
      // What a run killed while it copied the inventory leaves: the devices, one entry, one event.
      await into.catalog.put((await source.catalog.get(FILE))!);
      await into.devices.upsertMany(await listed(source.devices.list()));
      await into.deviceCredentials.put((await source.deviceCredentials.get(DEV_1))!);
      await into.inventory.putMany([entry(DEV_1, 2)]);
      await into.events.append([{ at: T0, deviceId: DEV_1, type: 'first-seen', detail: {} }]);
      const report = await migrate(source, into, copyFiles);
      expect(report.ok, report.differences.join('\n')).to.equal(true);
      expect(await listed(into.inventory.list())).to.deep.equal([entry(DEV_1, 2), entry(DEV_2, 3)]);
      expect(await listed(everyRecord(into.events))).to.have.length(2);
    });
  }

  /** What a server on the target may change without writing an event or an audit record, and how the refusal names it. */
  const serverChanges: Array<[string, (target: MigrationStores) => Promise<unknown>, string]> = [
    [
      "an inventory entry's poll fields",
      (target) => target.inventory.putMany([{ ...entry(DEV_1, 2), polls: 7, lastSeen: T0 + 7 * 60_000 }]),
      `inventory entry dev-1: lastSeen ${T0 + 7 * 60_000} in the target, ${T0 + 2 * 60_000} in the data dir; polls 7 in the target, 2 in the data dir`,
    ],
    [
      'a new inventory entry',
      (target) => target.inventory.putMany([entry('lamp-9' as DeviceId, 1)]),
      'inventory entry lamp-9: in the target, not in the data dir',
    ],
    [
      "an update attempt's state",
      (target) => target.attempts.putMany([{ ...attempt('a-1', DEV_1), state: 'downloading', downloads: 1 }]),
      'update attempt a-1: downloads 1 in the target, 0 in the data dir; state "downloading" in the target, "offered" in the data dir',
    ],
    [
      'a new update attempt',
      (target) => target.attempts.putMany([attempt('a-3', DEV_1)]),
      'update attempt a-3: in the target, not in the data dir',
    ],
    [
      'update attempts pruned',
      (target) => target.attempts.pruneBefore(T0),
      'update attempt a-0: in the data dir, not in the target, which an earlier run verified complete',
    ],
    [
      "a rollout's state",
      (target) => target.rollouts.put({ ...rollout, state: 'running', wave: 1 }),
      'rollout r-1: state "running" in the target, "draft" in the data dir; wave 1 in the target, 0 in the data dir',
    ],
    [
      'a penalty clearance',
      (target) => target.penaltyClearances.put(DEV_1, T0 + 5),
      'penalty clearance of dev-1: in the target, not in the data dir',
    ],
    [
      'a penalty clearance made again',
      (target) => target.penaltyClearances.put(DEV_2, T0 + 5),
      `penalty clearance of dev-2: at ${T0 + 5} in the target, ${T0 + 1} in the data dir`,
    ],
    [
      'a catalog entry described anew',
      async (target) =>
        target.catalog.put({ ...(await target.catalog.get(FILE))!, storedAt: '2026-12-01T00:00:00.000Z' }),
      'catalog entry fw/app-2.0.bin: storedAt "2026-12-01T00:00:00.000Z" in the target, "2026-01-01T00:00:00.000Z" in the data dir',
    ],
    [
      'a device row',
      (target) => target.devices.upsert({ deviceId: DEV_2, appVersion: '1.1' as AppVersion, updateFilePath: FILE }),
      'device row dev-2: appVersion "1.1" in the target, "1.0" in the data dir',
    ],
    [
      'a device credential',
      (target) =>
        target.deviceCredentials.put({
          deviceId: DEV_1,
          secretHash: 'scrypt$16384$8$1$c2FsdA$bmV3',
          createdAt: '2026-12-01T00:00:00.000Z',
        }),
      'device credential dev-1: createdAt "2026-12-01T00:00:00.000Z" in the target, "2026-01-02T00:00:00.000Z" in the data dir; secretHash',
    ],
    [
      'a trusted key',
      async (target) => target.trustedKeys.put({ ...(await target.trustedKeys.list())[0]!, name: 'renamed' }),
      `trusted key ${'c0'.repeat(32)}: name "renamed" in the target, "release" in the data dir`,
    ],
  ];

  for (const [what, change, named] of serverChanges)
    it(`refuses a rerun onto a target a server has used since, writing nothing: ${what}`, async () => {
      const source = await fleet();
      const into = memoryStores(new InMemoryBlobStore());
      expect((await migrate(source, into, true)).ok).to.equal(true);
      await change(into);
      const refused = await refusal(source, into, true);
      expect(refused.reasons.join('\n')).to.include(named);
    });

  it('refuses a target holding another file than the data dir (with the files copied)', async () => {
    const source = await fleet();
    const into = memoryStores(new InMemoryBlobStore());
    expect((await migrate(source, into, true)).ok).to.equal(true);
    const other = await into.files.put(
      'fw/other.bin' as UpdateFilePath,
      (async function* () {
        yield BYTES;
      })(),
      { maxBytes: 1_000 },
    );
    await other.settle();
    const refused = await refusal(source, into, true);
    expect(refused.reasons).to.include('update file fw/other.bin: in the target, not in the data dir');
  });

  it('after a verified run, copies again a file lost from the target (no server removes one without its entry)', async () => {
    const source = await fleet();
    const into = memoryStores(new InMemoryBlobStore());
    expect((await migrate(source, into, true)).ok).to.equal(true);
    expect(await into.files.delete(FILE)).to.equal(true);
    const again = await migrate(source, into, true);
    expect(again.ok, again.differences.join('\n')).to.equal(true);
    const copy = await into.files.open(FILE);
    expect(Buffer.concat(await listed(copy!.content()))).to.deep.equal(BYTES);
  });

  it('after a verified run, refuses a data dir that has changed since (it cannot tell which side did)', async () => {
    const source = await fleet();
    const into = memoryStores(new InMemoryBlobStore());
    expect((await migrate(source, into, true)).ok).to.equal(true);
    await source.events.append([{ at: T0 + 9, deviceId: DEV_1, type: 'first-seen', detail: {} }]);
    const refused = await refusal(source, into, true);
    expect(refused.reasons).to.deep.equal([
      'fleet events: the data dir holds fleet events after its number 2, which an earlier run verified to be the last',
    ]);
  });

  it('names at most 10 rows, then how many more differ', async () => {
    const source = await fleet();
    const into = memoryStores(new InMemoryBlobStore());
    expect((await migrate(source, into, true)).ok).to.equal(true);
    await into.inventory.putMany(Array.from({ length: 14 }, (_, n) => entry(`new-${n}` as DeviceId, 1)));
    const refused = await refusal(source, into, true);
    expect(refused.reasons).to.have.length(11);
    expect(refused.reasons.at(-1)).to.equal('and 4 more rows that differ');
  });
});
