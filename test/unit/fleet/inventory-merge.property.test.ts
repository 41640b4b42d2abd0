import { expect } from 'chai';
import fc from 'fast-check';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { InventoryEntry, InventorySighting } from '../../../src/domain/fleet/inventory-entry.js';
import { combineSightings, mergeSighting, withUnwritten } from '../../../src/domain/fleet/inventory-merge.js';

const ID = 'dev-1' as DeviceId;

const stored: InventoryEntry = {
  id: ID,
  firstSeen: 1_000,
  lastSeen: 2_000,
  runningVersion: '1.0.0',
  image: null,
  address: '192.0.2.1',
  auth: 'shared',
  polls: 5,
  pollIntervalMs: 60_000,
  lastStatus: 204,
  tags: ['lab'],
  hold: true,
  note: 'kept',
};

/** Writes from several servers, each at a distinct time (the newest check's fields are then unambiguous). */
const sightings = fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 12 }).chain((times) =>
  fc.tuple(
    ...times.map((lastSeen) =>
      fc
        .record({
          newPolls: fc.integer({ min: 1, max: 5 }),
          version: fc.constantFrom('1.0.0', '2.0.0', '3.0.0'),
          status: fc.constantFrom(200, 204, 404),
          firstSeenBefore: fc.integer({ min: 0, max: 5_000 }),
        })
        .map(({ newPolls, version, status, firstSeenBefore }): InventorySighting => ({
          id: ID,
          firstSeen: lastSeen - firstSeenBefore,
          lastSeen,
          runningVersion: version,
          image: version === '1.0.0' ? null : { project: 'p', chip: 'esp32', secureVersion: 1 },
          address: `198.51.100.${lastSeen % 250}`,
          auth: 'device',
          pollIntervalMs: lastSeen,
          lastStatus: status,
          newPolls,
        })),
    ),
  ),
);

function apply(entry: InventoryEntry | undefined, list: readonly InventorySighting[]): InventoryEntry | undefined {
  return list.reduce<InventoryEntry | undefined>((current, sighting) => mergeSighting(current, sighting), entry);
}

describe('inventory merge (properties)', () => {
  it("gives the same entry whatever order several servers' writes arrive in", () => {
    fc.assert(
      fc.property(sightings, fc.func(fc.integer()), fc.boolean(), (list, key, fromNothing) => {
        const start = fromNothing ? undefined : stored;
        const shuffled = [...list].sort((a, b) => key(a.lastSeen) - key(b.lastSeen) || a.lastSeen - b.lastSeen);
        const one = apply(start, list) as InventoryEntry;
        expect(apply(start, shuffled)).to.deep.equal(one);
        // Every check counted once; the earliest first sighting; operators' fields untouched.
        const counted = list.reduce((sum, sighting) => sum + sighting.newPolls, 0);
        expect(one.polls).to.equal((start?.polls ?? 0) + counted);
        expect(one.firstSeen).to.equal(
          Math.min(...(start === undefined ? [] : [start.firstSeen]), ...list.map((s) => s.firstSeen)),
        );
        expect([one.tags, one.hold, one.note]).to.deep.equal(
          start === undefined ? [[], false, ''] : [stored.tags, stored.hold, stored.note],
        );
        // The check fields are the newest check's.
        const newest = [...list].sort((a, b) => b.lastSeen - a.lastSeen)[0] as InventorySighting;
        const expected = start !== undefined && start.lastSeen > newest.lastSeen ? start : newest;
        expect([
          one.lastSeen,
          one.runningVersion,
          one.image,
          one.address,
          one.lastStatus,
          one.pollIntervalMs,
        ]).to.deep.equal([
          expected.lastSeen,
          expected.runningVersion,
          expected.image,
          expected.address,
          expected.lastStatus,
          expected.pollIntervalMs,
        ]);
      }),
    );
  });

  it('combines an id named twice in one write into what the writes one by one would have made', () => {
    fc.assert(
      fc.property(sightings, (list) => {
        expect(apply(stored, combineSightings(list))).to.deep.equal(apply(stored, list));
      }),
    );
  });

  it('shows a stored entry with the checks this server has not written on top', () => {
    const local: InventoryEntry = { ...stored, lastSeen: 9_000, runningVersion: '2.0.0', polls: 99, tags: ['stale'] };
    expect(withUnwritten(stored, local, 0)).to.equal(stored);
    expect(withUnwritten(stored, undefined, 3)).to.equal(stored);
    expect(withUnwritten(stored, local, 3)).to.deep.equal({
      ...stored,
      lastSeen: 9_000,
      runningVersion: '2.0.0',
      polls: 8,
    });
    // Older than what is stored: counted, the stored check fields kept.
    expect(withUnwritten(stored, { ...local, lastSeen: 1_500 }, 2)).to.deep.equal({ ...stored, polls: 7 });
  });
});
