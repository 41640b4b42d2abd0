import { expect } from 'chai';
import {
  AUDIT_ACTIONS,
  AUDIT_LIMITS,
  auditDetail,
  auditTarget,
  isAuditAction,
  REDACTED,
} from '../../../src/domain/audit/audit-record.js';

describe('domain: audit records', () => {
  it('names every action <what>.<verb>, in lowercase words, once', () => {
    for (const action of AUDIT_ACTIONS) expect(action).to.match(/^[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*$/);
    expect(new Set(AUDIT_ACTIONS).size).to.equal(AUDIT_ACTIONS.length);
    expect(isAuditAction('file.put')).to.equal(true);
    expect(isAuditAction('file.PUT')).to.equal(false);
  });

  it('keeps facts as they are: strings, finite numbers, booleans, null, lists of strings', () => {
    const facts = { file: 'lamp/v2.0.0.bin', size: 848, ratio: 0.5, force: false, version: null, tags: ['a', 'b'] };
    expect(auditDetail(facts)).to.deep.equal(facts);
  });

  it('never keeps the value of a fact whose name says it is a secret', () => {
    const detail = auditDetail({
      password: 'hunter2',
      newPassword: 'x',
      secret: 's',
      secretHash: '$scrypt$...',
      Authorization: 'Basic b3A6cHc=',
      token: 't',
      cookie: 'c',
      privateKey: 'k',
      sha256: 'e7e772d0',
    });
    expect(detail).to.deep.equal({
      password: REDACTED,
      newPassword: REDACTED,
      secret: REDACTED,
      secretHash: REDACTED,
      Authorization: REDACTED,
      token: REDACTED,
      cookie: REDACTED,
      privateKey: REDACTED,
      sha256: 'e7e772d0',
    });
    expect(JSON.stringify(detail)).to.not.include('hunter2').and.not.include('b3A6cHc=');
  });

  it('leaves out what is not a JSON fact, and bounds every part', () => {
    expect(
      auditDetail({ gone: undefined, nan: Number.NaN, inf: Infinity, object: { a: 1 }, mixed: ['a', 1], fn: () => 1 }),
    ).to.deep.equal({});
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(auditDetail(many))).to.have.length(AUDIT_LIMITS.detailKeys);
    const long = auditDetail({ note: 'x'.repeat(10_000), list: Array.from({ length: 1000 }, () => 'y'.repeat(1000)) });
    expect((long.note as string).length).to.equal(AUDIT_LIMITS.stringChars);
    expect(long.note as string).to.match(/x…$/);
    expect(long.list).to.have.length(AUDIT_LIMITS.listItems);
    expect((long.list as string[])[0]).to.have.length(AUDIT_LIMITS.listItemChars);
    expect(auditTarget('t'.repeat(5000))).to.have.length(AUDIT_LIMITS.targetChars);
    expect(auditTarget('lamp/v2.0.0.bin')).to.equal('lamp/v2.0.0.bin');
  });
});
