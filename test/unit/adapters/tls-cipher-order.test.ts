import { expect } from 'chai';
import { DEFAULT_CIPHERS } from 'node:tls';
import { PREFERRED_TLS13_SUITE, serverCipherList } from '../../../src/adapters/inbound/http/tls-cipher-order.js';

describe('serverCipherList', () => {
  it("moves TLS_AES_128_GCM_SHA256 to the front of Node's list and keeps every other cipher in order", () => {
    const list = serverCipherList().split(':');
    const defaults = DEFAULT_CIPHERS.split(':');
    expect(list[0]).to.equal(PREFERRED_TLS13_SUITE);
    expect(list.slice(1)).to.deep.equal(defaults.filter((cipher) => cipher !== PREFERRED_TLS13_SUITE));
    expect(list).to.have.lengthOf(defaults.length);
  });

  it('uses a list an operator set with --tls-cipher-list exactly as given', () => {
    const operators = 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES256-GCM-SHA384';
    expect(serverCipherList(operators)).to.equal(operators);
    expect(serverCipherList('TLS_CHACHA20_POLY1305_SHA256:HIGH:!aNULL')).to.equal(
      'TLS_CHACHA20_POLY1305_SHA256:HIGH:!aNULL',
    );
  });

  it("reorders Node's own list only, whatever that list is in a given Node", () => {
    const nodes = 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256';
    expect(serverCipherList(nodes, nodes)).to.equal(
      'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:ECDHE-ECDSA-AES128-GCM-SHA256',
    );
    expect(serverCipherList('TLS_AES_256_GCM_SHA384:HIGH', 'TLS_AES_256_GCM_SHA384:HIGH')).to.equal(
      'TLS_AES_256_GCM_SHA384:HIGH',
    );
  });
});
