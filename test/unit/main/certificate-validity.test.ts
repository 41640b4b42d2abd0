import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { certificateValidityWarning } from '../../../src/main/bootstrap/certificate-validity.js';
import { testCertificate } from '../../support/test-server.js';

const DAY = 86_400_000;

describe('the server certificate dates warned of at start', () => {
  it('says nothing of a certificate valid for more than 30 days; warns of one expiring sooner, expired, or not valid yet', async () => {
    const { cert } = await testCertificate();
    const parsed = new X509Certificate(cert);
    const from = Date.parse(parsed.validFrom);
    const to = Date.parse(parsed.validTo);
    const day = new Date(to).toISOString().slice(0, 10);
    expect(certificateValidityWarning(cert, to - 31 * DAY)).to.equal(undefined);
    expect(certificateValidityWarning(cert, to - 10 * DAY - 1_000)).to.equal(
      `the server's TLS certificate expires on ${day}, in 10 days: renew it before then`,
    );
    expect(certificateValidityWarning(cert, to)).to.equal(
      `the server's TLS certificate expired on ${day}: clients that check its dates refuse it; renew it`,
    );
    expect(certificateValidityWarning(cert, from - DAY)).to.match(/^the server's TLS certificate is not valid before /);
  });
});
