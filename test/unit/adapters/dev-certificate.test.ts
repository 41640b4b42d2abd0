import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevCertificate } from '../../../src/adapters/outbound/tls/dev-certificate.js';

describe('ensureDevCertificate', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-cert-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('makes a certificate for the names on first start, then reads it back and says which new names it lacks', async () => {
    const cert = join(dir, 'tls', 'cert.pem');
    const key = join(dir, 'tls', 'key.pem');
    const names = ['fuota.example', 'localhost', '127.0.0.1', '::1'];
    const first = await ensureDevCertificate(cert, key, names);
    expect(first.created).to.equal(true);
    expect(new X509Certificate(first.cert).subject).to.equal('CN=fuota.example');
    expect((await stat(key)).mode & 0o777).to.equal(0o600);

    const again = await ensureDevCertificate(cert, key, [
      'LOCALHOST',
      '0:0:0:0:0:0:0:1',
      ...names,
      'other.example',
      '10.0.0.7',
    ]);
    expect(again.created).to.equal(false);
    expect(again.cert).to.equal(first.cert);
    expect(again.uncovered).to.deep.equal(['other.example', '10.0.0.7']);
  });
});
