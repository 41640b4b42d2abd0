import { expect } from 'chai';
import type { AuditRecordJson } from '../../../src/cli/audit-api.js';
import { auditTable, detailText } from '../../../src/cli/audit-text.js';

const record = (seq: number, fields: Partial<AuditRecordJson> = {}): AuditRecordJson => ({
  seq,
  at: '2026-11-26T21:50:00.123Z',
  actor: 'admin',
  address: '::ffff:192.168.1.20',
  action: 'device-row.put',
  target: '24:0A:C4:00:01:02',
  detail: { appVersion: 'v1.9.0', file: 'lamp/v2.0.0.bin' },
  requestId: 'r-1',
  ...fields,
});

describe('cli: audit text', () => {
  it('writes a detail as name=value words, quoting what would not read as one word', () => {
    expect(detailText({})).to.equal('');
    expect(
      detailText({
        file: 'a.bin',
        size: 848,
        force: true,
        version: null,
        tags: ['b', 'north'],
        remove: [],
        note: 'replaced the relay',
        odd: 'a=b',
        empty: '',
      }),
    ).to.equal(
      'file=a.bin size=848 force=true version=null tags=b,north remove="" note="replaced the relay" odd="a=b" empty=""',
    );
  });

  it('lists records as aligned columns, times to the second, IPv4 clients as people read them', () => {
    const text = auditTable([
      record(7),
      record(12, {
        actor: 'local:import-seed',
        address: null,
        action: 'seed.import',
        target: '/srv/seed',
        detail: { rows: 3 },
      }),
      record(13, { address: '2001:db8::1', action: 'device.forget', detail: {} }),
    ]);
    expect(text.split('\n')).to.deep.equal([
      'SEQ  TIME                  ACTOR              ADDRESS       ACTION          TARGET             DETAIL',
      '7    2026-11-26T21:50:00Z  admin              192.168.1.20  device-row.put  24:0A:C4:00:01:02  appVersion=v1.9.0 file=lamp/v2.0.0.bin',
      '12   2026-11-26T21:50:00Z  local:import-seed  -             seed.import     /srv/seed          rows=3',
      '13   2026-11-26T21:50:00Z  admin              2001:db8::1   device.forget   24:0A:C4:00:01:02',
    ]);
  });
});
