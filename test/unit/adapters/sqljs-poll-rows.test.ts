import { expect } from 'chai';
import { pollRowsStatement } from '../../../src/adapters/outbound/sqljs/poll-rows.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { InventorySighting } from '../../../src/domain/fleet/inventory-entry.js';

function sighting(id: string, lastSeen: number, newPolls: number, pollIntervalMs: number | null): InventorySighting {
  return {
    id: id as DeviceId,
    firstSeen: 1,
    lastSeen,
    runningVersion: '1.0.0',
    image: null,
    address: '10.0.0.1',
    auth: 'shared',
    pollIntervalMs,
    lastStatus: 204,
    newPolls,
    pollOnly: true,
  };
}

/** The inventory's poll-only rows, held as columns: what is journaled and what is applied must be the same rows. */
describe('pollRowsStatement', () => {
  const sightings = [
    sighting('dev-1', 1_767_225_660_123, 3, 60_000),
    sighting('dev-"quoted"\\', 1_767_225_660_124, 1, null),
    sighting('dev-ü', 5, 2, 0),
  ];
  const expected = sightings.map((s) => [s.id, s.lastSeen, s.newPolls, s.pollIntervalMs]);

  it('journals the rows as JSON.stringify writes them, and the statements it is given', () => {
    const statement = pollRowsStatement(sightings, 'JOURNALED', 'APPLIED');
    expect(statement.journaled).to.deep.equal(['JOURNALED', [JSON.stringify(expected)]]);
    expect(statement.sql).to.equal('APPLIED');
  });

  it('gives each row the same parameters, a null interval as null', () => {
    const statement = pollRowsStatement(sightings, 'JOURNALED', 'APPLIED');
    expect(statement.rowCount).to.equal(3);
    // Each row is read before the next is asked for (the array may be reused).
    const applied = Array.from({ length: statement.rowCount }, (_, i) => [...statement.row(i)]);
    expect(applied).to.deep.equal(expected);
  });

  it('writes a number that is not finite as null in both forms, as JSON.stringify does', () => {
    const odd = [sighting('dev-x', Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY)];
    const statement = pollRowsStatement(odd, 'JOURNALED', 'APPLIED');
    expect(statement.journaled).to.deep.equal(['JOURNALED', [JSON.stringify([['dev-x', null, null, null]])]]);
    expect([...statement.row(0)]).to.deep.equal(['dev-x', null, null, null]);
  });

  it('makes an empty statement of no sightings', () => {
    const statement = pollRowsStatement([], 'JOURNALED', 'APPLIED');
    expect(statement.rowCount).to.equal(0);
    expect(statement.journaled).to.deep.equal(['JOURNALED', ['[]']]);
  });
});
