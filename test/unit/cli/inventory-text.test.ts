import { expect } from 'chai';
import { byTimeNewestFirst, inventoryTable, marks, servedText } from '../../../src/cli/inventory-text.js';

const event = (seq: number, at: string, type: string) =>
  ({ seq, at, device: 'd1', type }) as Parameters<typeof byTimeNewestFirst>[0][number];

describe('cli: inventory text', () => {
  it('marks overdue and unassigned devices', () => {
    expect(marks({ overdue: false, unassigned: false })).to.equal('-');
    expect(marks({ overdue: true, unassigned: false })).to.equal('overdue');
    expect(marks({ overdue: true, unassigned: true })).to.equal('overdue,unassigned');
  });

  it("counts a patch download's bytes against the patch, a full one's against the image", () => {
    const attempt = { servedBytes: 2970, fileSize: 181_145, downloadedAs: 'patch', patchSize: 2970 } as const;
    expect(servedText(attempt)).to.equal('2.9 KiB of 2.9 KiB (patch)');
    expect(servedText({ ...attempt, downloadedAs: 'full', servedBytes: 181_145 })).to.equal('176.9 KiB of 176.9 KiB');
    expect(servedText({ ...attempt, downloadedAs: null, servedBytes: 0, patchSize: null })).to.equal(
      '0 B of 176.9 KiB',
    );
  });

  it("keeps a device's many tags from widening every other row: tags come last", () => {
    const device = (id: string, tags: string[]) =>
      ({
        id,
        runningVersion: '1.0',
        image: null,
        lastSeen: '2026-11-27T12:00:00Z',
        polls: 1,
        pollIntervalSeconds: null,
        overdue: false,
        unassigned: false,
        attempt: null,
        tags,
        hold: false,
      }) as unknown as Parameters<typeof inventoryTable>[0][number];
    const many = Array.from({ length: 64 }, (_, i) => `building-${i}`);
    const lines = inventoryTable([device('a', many), device('b', [])], Date.parse('2026-11-27T12:01:00Z')).split('\n');
    expect(lines[0]).to.match(/\sHOLD\s+TAGS$/);
    expect(lines[1]).to.match(/\s-\s+building-0,building-1,.*building-63$/);
    expect(lines[2]).to.match(/\s-\s+-$/);
    expect(lines[2]?.length ?? 0).to.be.at.most(lines[0]?.length ?? 0);
  });

  it('orders a timeline newest first by time (not seq), first-seen the oldest of one instant', () => {
    const events = [
      event(5, '2026-11-27T12:00:03Z', 'device-changed'),
      event(4, '2026-11-27T12:00:00Z', 'first-seen'),
      event(3, '2026-11-27T12:00:02Z', 'device-changed'),
      event(2, '2026-11-27T12:00:00Z', 'offered'),
      event(1, '2026-11-27T11:00:00Z', 'version-changed'),
    ];
    expect(byTimeNewestFirst(events).map((one) => one.seq)).to.deep.equal([5, 3, 2, 4, 1]);
    expect(events.map((one) => one.seq)).to.deep.equal([5, 4, 3, 2, 1]);
  });
});
