import { expect } from 'chai';
import type { Rollout } from '../../src/domain/rollout/rollout.js';
import type { RolloutId } from '../../src/domain/rollout/rollout-id.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import type { RolloutStore } from '../../src/ports/rollout-store.port.js';

/** A halted rollout with every field set, nested ones included; `overrides` changes some. */
export function storedRollout(id: string, overrides: Partial<Rollout> = {}): Rollout {
  return {
    id: id as RolloutId,
    definition: {
      name: 'Küche ✓ sensors "2.0" \'beta\'',
      file: 'fw/sensor-2.0.0.bin' as UpdateFilePath,
      selector: {
        tagsAll: ['lab', 'floor-2'],
        tagsAny: ['canary'],
        devices: ['AA:BB:CC:DD:EE:FF', 'esp-2'],
        versions: '>=1.2.0 <2.0.0',
        project: 'sensor',
        chip: 'esp32c3',
      },
      waves: [0.01, 1.5, 10, 50, 100],
      advance: { successPercent: 95, minResolved: 20, soakMinutes: 30 },
      maxInFlight: 50,
      maxOffersPerMinute: 120,
      halt: { failurePercent: 12.5, failureCount: 10, minResolved: 8 },
      penalty: { failures: 3, hours: 24 },
      allowDowngrade: false,
      priority: -3,
      includeUnknownImages: true,
    },
    state: 'halted',
    wave: 2,
    createdAt: 1_767_225_600_000,
    updatedAt: 1_767_229_200_123,
    startedAt: 1_767_225_660_000,
    waveStartedAt: 1_767_227_000_000,
    resumedAt: 1_767_228_000_000,
    haltResumedAt: 1_767_227_500_000,
    haltReason: {
      kind: 'failure-percent',
      resolved: 40,
      succeeded: 34,
      failed: 6,
      provisional: 4,
      waveDevices: null,
      failurePercent: 12.5,
      failureCount: 10,
    },
    endedAt: null,
    ...overrides,
  };
}

/** A draft as created: every optional part null or empty. */
export function draft(id: string, at = 1_767_225_600_000): Rollout {
  const full = storedRollout(id);
  return {
    ...full,
    definition: {
      ...full.definition,
      name: 'plain',
      selector: { tagsAll: [], tagsAny: [], devices: [], versions: null, project: null, chip: null },
      waves: [100],
      advance: null,
      priority: 0,
      includeUnknownImages: false,
    },
    state: 'draft',
    wave: 0,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    waveStartedAt: null,
    resumedAt: null,
    haltResumedAt: null,
    haltReason: null,
    endedAt: null,
  };
}

const ids = (rollouts: readonly Rollout[]): string[] => rollouts.map((rollout) => rollout.id);

/**
 * What every RolloutStore adapter promises. `open` gives a fresh, empty store; `reopen` (durable
 * adapters) closes it and opens what it left behind; `crashCopy` opens a copy of the files as
 * they are on disk now, as a process killed at this instant leaves them.
 */
export function rolloutStoreContract(
  name: string,
  hooks: {
    open: () => Promise<RolloutStore>;
    reopen?: (store: RolloutStore) => Promise<RolloutStore>;
    crashCopy?: () => Promise<RolloutStore>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`RolloutStore contract: ${name}`, () => {
    let store: RolloutStore;

    beforeEach(async () => {
      store = await hooks.open();
    });

    afterEach(async () => {
      await store.close();
      await hooks.cleanup?.();
    });

    it('starts empty', async () => {
      expect(await store.list()).to.deep.equal([]);
    });

    it('reads back every field as written, the nested definition and the halt reason included', async () => {
      await store.put(storedRollout('r-1'));
      expect(await store.list()).to.deep.equal([storedRollout('r-1')]);
    });

    it('reads back nulls, empty lists, a manual advance and a version list as written', async () => {
      const full = storedRollout('r-2');
      const withList: Rollout = {
        ...full,
        state: 'completed',
        haltReason: null,
        endedAt: 1_767_300_000_000,
        definition: {
          ...full.definition,
          selector: { ...full.definition.selector, versions: ['1.0.0', 'v1.0.1', '1.1.0-rc.1'] },
          advance: null,
        },
      };
      await store.put(draft('r-1'));
      await store.put(withList);
      expect(await store.list()).to.deep.equal([draft('r-1'), withList]);
    });

    it('tells a rollout resumed only from a pause (never from a halt) from one resumed from a halt', async () => {
      const paused = storedRollout('r-1', { state: 'running', haltReason: null, haltResumedAt: null });
      const halted = storedRollout('r-2', { state: 'running', haltReason: null });
      await store.put(paused);
      await store.put(halted);
      expect(await store.list()).to.deep.equal([paused, halted]);
      if (hooks.reopen === undefined) return;
      store = await hooks.reopen(store);
      expect(await store.list()).to.deep.equal([paused, halted]);
    });

    it('lists in creation order, and a replace keeps its place and changes every field', async () => {
      await store.put(draft('zeta', 3));
      await store.put(draft('alpha', 1));
      await store.put(draft('mid', 2));
      const started = storedRollout('alpha', { state: 'running', haltReason: null, createdAt: 1 });
      await store.put(started);
      expect(ids(await store.list())).to.deep.equal(['zeta', 'alpha', 'mid']);
      expect((await store.list())[1]).to.deep.equal(started);
      const aborted = draft('zeta', 3);
      await store.put({ ...aborted, state: 'aborted', endedAt: 99, updatedAt: 99 });
      expect(await store.list()).to.deep.equal([
        { ...aborted, state: 'aborted', endedAt: 99, updatedAt: 99 },
        started,
        draft('mid', 2),
      ]);
    });

    it('takes concurrent puts, each stored once, in the order they were made', async () => {
      const names = Array.from({ length: 40 }, (_, i) => `r-${String((i * 7) % 40).padStart(2, '0')}`);
      await Promise.all(names.map((id, i) => store.put(draft(id, i))));
      expect(ids(await store.list())).to.deep.equal(names);
    });

    it('keeps what it stored when callers change their objects', async () => {
      const rollout = storedRollout('r-1');
      await store.put(rollout);
      (rollout.definition.waves as number[]).push(200);
      (rollout.definition.selector.tagsAll as string[]).push('changed');
      const [listed] = await store.list();
      (listed!.definition.selector.devices as string[]).length = 0;
      (listed!.definition.halt as { failureCount: number }).failureCount = 0;
      (listed!.haltReason as { failed: number }).failed = 0;
      expect(await store.list()).to.deep.equal([storedRollout('r-1')]);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('finds every acknowledged write after close and reopen, in creation order', async () => {
        await store.put(draft('b'));
        await store.put(storedRollout('a'));
        await store.put(storedRollout('b', { state: 'running', haltReason: null }));
        store = await reopen(store);
        expect(await store.list()).to.deep.equal([
          storedRollout('b', { state: 'running', haltReason: null }),
          storedRollout('a'),
        ]);
        await store.put(draft('c'));
        await store.put(storedRollout('a', { state: 'aborted', haltReason: null, endedAt: 5 }));
        store = await reopen(store);
        expect(ids(await store.list())).to.deep.equal(['b', 'a', 'c']);
        expect((await store.list())[1]).to.deep.equal(
          storedRollout('a', { state: 'aborted', haltReason: null, endedAt: 5 }),
        );
      });
    }

    if (hooks.crashCopy !== undefined) {
      const crashCopy = hooks.crashCopy;
      it('has every acknowledged write on disk at the moment of acknowledgement (crash-like reopen)', async () => {
        await store.put(draft('b'));
        await store.put(storedRollout('a'));
        await store.put(storedRollout('b', { state: 'paused', haltReason: null }));
        const survivor = await crashCopy();
        try {
          expect(await survivor.list()).to.deep.equal([
            storedRollout('b', { state: 'paused', haltReason: null }),
            storedRollout('a'),
          ]);
          await survivor.put(draft('c'));
          expect(ids(await survivor.list())).to.deep.equal(['b', 'a', 'c']);
        } finally {
          await survivor.close();
        }
      });
    }
  });
}
