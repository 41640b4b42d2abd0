import type { MigrationStores } from './migration-stores.js';

/**
 * What the target holds that the source does not: device rows, device credentials, inventory
 * entries, catalog entries, files and rollouts keyed by an id or path the source lacks. A target holding any is
 * not an earlier run of this migration (it is another fleet's storage, or one a server has
 * already changed), and the migration refuses it rather than mixing two fleets. At most `limit`
 * lines.
 */
export async function foreignTargetRows(
  source: MigrationStores,
  target: MigrationStores,
  options: { readonly compareFiles: boolean; readonly limit?: number },
): Promise<string[]> {
  const limit = options.limit ?? 10;
  const found: string[] = [];
  const check = async <T>(
    what: string,
    sourceKeys: AsyncIterable<T> | Iterable<T>,
    targetKeys: AsyncIterable<T> | Iterable<T>,
  ) => {
    const known = new Set<T>();
    for await (const key of sourceKeys) known.add(key);
    for await (const key of targetKeys) {
      if (found.length >= limit) return;
      if (!known.has(key)) found.push(`${what} ${String(key)}`);
    }
  };
  await check(
    'device row',
    keys(source.devices.list(), (row) => row.deviceId),
    keys(target.devices.list(), (row) => row.deviceId),
  );
  await check(
    'device credential',
    keys(source.deviceCredentials.list(), (credential) => credential.deviceId),
    keys(target.deviceCredentials.list(), (credential) => credential.deviceId),
  );
  await check(
    'inventory entry',
    keys(source.inventory.list(), (entry) => entry.id),
    keys(target.inventory.list(), (entry) => entry.id),
  );
  await check(
    'catalog entry',
    keys(source.catalog.list(), (entry) => entry.path),
    keys(target.catalog.list(), (entry) => entry.path),
  );
  if (options.compareFiles) await check('update file', source.files.list(), target.files.list());
  await check(
    'rollout',
    (await source.rollouts.list()).map((rollout) => rollout.id),
    (await target.rollouts.list()).map((rollout) => rollout.id),
  );
  return found;
}

async function* keys<T, K>(items: AsyncIterable<T>, key: (item: T) => K): AsyncIterable<K> {
  for await (const item of items) yield key(item);
}
