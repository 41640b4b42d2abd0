import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { ConfigError } from '../../../src/main/config/config-error.js';
import { loadEphemeralConfig } from '../../../src/main/config/ephemeral-config.js';
import { ephemeralCredential } from '../../../src/main/bootstrap/provision-credential.js';
import { ephemeralTls } from '../../../src/main/bootstrap/provision-tls.js';

describe('serve --ephemeral: configuration, certificate and credential', () => {
  it('listens on a free loopback port unless FUOTA_PORT (or US_SERVER_PORT) and FUOTA_HOST say otherwise', () => {
    expect(loadEphemeralConfig({}, '/srv')).to.include({ port: 0, host: '127.0.0.1' });
    expect(loadEphemeralConfig({ FUOTA_PORT: '', FUOTA_HOST: '' }, '/srv')).to.include({ port: 0, host: '127.0.0.1' });
    expect(loadEphemeralConfig({ FUOTA_PORT: '50000', FUOTA_HOST: '0.0.0.0' }, '/srv')).to.include({
      port: 50000,
      host: '0.0.0.0',
    });
    expect(loadEphemeralConfig({ US_SERVER_PORT: '8443' }, '/srv').port).to.equal(8443);
  });

  it('checks the variables as serve does, and refuses shared storage', () => {
    expect(() => loadEphemeralConfig({ FUOTA_PORT: 'x' })).to.throw(ConfigError, /^FUOTA_PORT: /);
    for (const [variable, value] of [
      ['FUOTA_DATABASE_URL', 'postgres://u@localhost/db'],
      ['FUOTA_BLOB_URL', 's3://bucket'],
    ] as const) {
      expect(() => loadEphemeralConfig({ [variable]: value })).to.throw(
        ConfigError,
        new RegExp(`^${variable}: .*memory`),
      );
    }
  });

  it('makes a certificate for localhost, 127.0.0.1, FUOTA_TLS_HOSTNAMES and a specific listen host, in memory', async () => {
    const names = async (env: NodeJS.ProcessEnv) => {
      const tls = await ephemeralTls(loadEphemeralConfig(env));
      expect(tls.source).to.equal('generated');
      return new X509Certificate(tls.cert).subjectAltName?.split(', ');
    };
    expect(await names({})).to.deep.equal(['DNS:localhost', 'IP Address:127.0.0.1']);
    expect(await names({ FUOTA_HOST: '0.0.0.0', FUOTA_TLS_HOSTNAMES: '10.0.2.2,fuota.test' })).to.deep.equal([
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:10.0.2.2',
      'DNS:fuota.test',
    ]);
    expect(await names({ FUOTA_HOST: '192.168.7.1' })).to.deep.equal([
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:192.168.7.1',
    ]);
  });

  it('uses FUOTA_USERNAME and FUOTA_PASSWORD when given, else a new random password each time', () => {
    const given = ephemeralCredential(loadEphemeralConfig({ FUOTA_USERNAME: 'ci', FUOTA_PASSWORD: 'secret' }));
    expect(given).to.deep.include({ password: 'secret', source: 'environment' });
    expect(given.secret).to.deep.equal({ kind: 'plain', username: 'ci', password: 'secret' });
    const first = ephemeralCredential(loadEphemeralConfig({}));
    const second = ephemeralCredential(loadEphemeralConfig({}));
    expect(first.source).to.equal('generated');
    expect(first.password).to.match(/^[A-Za-z0-9_-]{24}$/);
    expect(first.password).to.not.equal(second.password);
    expect(first.secret).to.deep.equal({ kind: 'plain', username: 'fuota', password: first.password });
  });
});
