import type { IncomingMessage } from 'node:http';
import { expect } from 'chai';
import { certificateOutcome } from '../../../src/adapters/inbound/http/client-certificate.js';

/** A request on a TLS socket whose verification passed (maybe when its session began) for `peer`. */
function verified(peer: { CN: string; validFrom: Date; validTo: Date }): IncomingMessage {
  const text = (date: Date) => date.toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) (\S+) GMT$/, '$2 $1 $4 $3 GMT');
  const socket = {
    authorized: true,
    authorizationError: null,
    getPeerCertificate: () => ({
      subject: { CN: peer.CN },
      valid_from: text(peer.validFrom),
      valid_to: text(peer.validTo),
    }),
  };
  return { socket } as unknown as IncomingMessage;
}

const DAY = 86_400_000;

describe('client certificate outcome', () => {
  it('authenticates the device its CN names while the certificate is valid', () => {
    const outcome = certificateOutcome(
      verified({ CN: 'lamp-1', validFrom: new Date(Date.now() - DAY), validTo: new Date(Date.now() + DAY) }),
    );
    expect(outcome).to.deep.include({ kind: 'authenticated', user: 'lamp-1' });
  });

  it('refuses a certificate that expired since its session was verified (a resumed session is not verified again)', () => {
    const outcome = certificateOutcome(
      verified({ CN: 'lamp-1', validFrom: new Date(Date.now() - 2 * DAY), validTo: new Date(Date.now() - 60_000) }),
    );
    expect(outcome).to.deep.equal({
      kind: 'refused',
      reason: 'the client certificate has expired',
      commonName: 'lamp-1',
    });
  });

  it('refuses a certificate not valid yet', () => {
    const outcome = certificateOutcome(
      verified({ CN: 'lamp-1', validFrom: new Date(Date.now() + DAY), validTo: new Date(Date.now() + 2 * DAY) }),
    );
    expect(outcome).to.deep.include({ kind: 'refused', reason: 'the client certificate is not valid yet' });
  });
});
