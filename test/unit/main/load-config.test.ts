import { DEFAULT_FLEET_SETTINGS } from '../../../src/app/fleet/fleet-settings.js';
import { DEFAULT_AUDIT_SETTINGS } from '../../../src/app/audit/audit-settings.js';
import { DEFAULT_DELTA_SETTINGS } from '../../../src/app/delta/delta-settings.js';
import { expect } from 'chai';
import { ConfigError } from '../../../src/main/config/config-error.js';
import { loadConfig } from '../../../src/main/config/load-config.js';
import { shownValue } from '../../../src/main/config/shown-value.js';
import { describeUrl } from '../../../src/adapters/outbound/postgres/postgres-url.js';

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv');
    expect(config).to.deep.equal({
      host: '0.0.0.0',
      port: 50000,
      dataDir: '/srv/data',
      storage: { database: undefined, blobs: undefined },
      workers: 1,
      tlsFiles: undefined,
      tlsHostnames: [],
      tlsTicketKeys: undefined,
      tlsClientCaFile: undefined,
      username: 'fuota',
      password: undefined,
      deviceCredential: undefined,
      operatorCredential: undefined,
      maxUploadBytes: 33554432,
      validateImages: true,
      trustedKeysFile: undefined,
      authFailuresPerMinute: 20,
      authCooldownSeconds: 60,
      logLevel: 'info',
      fleet: DEFAULT_FLEET_SETTINGS,
      audit: DEFAULT_AUDIT_SETTINGS,
      delta: DEFAULT_DELTA_SETTINGS,
    });
  });

  it('reads every variable, resolving paths against the working directory', () => {
    const config = loadConfig(
      {
        FUOTA_HOST: '127.0.0.1',
        FUOTA_PORT: '8443',
        FUOTA_DATA_DIR: 'var/fuota',
        FUOTA_TLS_CERT: 'c.pem',
        FUOTA_TLS_KEY: '/k.pem',
        FUOTA_TLS_HOSTNAMES: 'fuota.example.net, 192.168.1.10',
        FUOTA_TLS_CLIENT_CA: 'devices-ca.pem',
        FUOTA_TLS_TICKET_KEYS: 'ab'.repeat(48),
        FUOTA_USERNAME: 'ops',
        FUOTA_PASSWORD: 's3cret pass',
        FUOTA_MAX_UPLOAD_BYTES: '1048576',
        FUOTA_DEVICE_USERNAME: 'devices',
        FUOTA_DEVICE_PASSWORD: 'dpw',
        FUOTA_OPERATOR_USERNAME: 'admin',
        FUOTA_OPERATOR_PASSWORD: 'apw',
        FUOTA_VALIDATE_IMAGES: 'false',
        FUOTA_TRUSTED_KEYS: 'keys/fleet.pem',
        FUOTA_AUTH_FAILURES_PER_MINUTE: '5',
        FUOTA_AUTH_COOLDOWN_SECONDS: '300',
        FUOTA_LOG_LEVEL: 'debug',
        FUOTA_SUCCESS_POLLS: '3',
        FUOTA_SUCCESS_MINUTES: '20',
        FUOTA_SILENT_MINUTES: '90',
        FUOTA_HISTORY_DAYS: '7',
        FUOTA_AUDIT_DAYS: '3650',
        FUOTA_DATABASE_URL: 'postgres://fuota:pw@db.internal:5432/fuota',
        FUOTA_DATABASE_POOL_SIZE: '25',
        FUOTA_BLOB_URL: 's3://fleet-images/fuota/prod/',
        FUOTA_S3_ENDPOINT: 'http://minio:9000',
        FUOTA_S3_REGION: 'eu-west-1',
        FUOTA_S3_PATH_STYLE: 'true',
        FUOTA_WORKERS: '4',
        FUOTA_DELTA: 'no',
        FUOTA_DELTA_MAX_RATIO: '0.5',
        FUOTA_DELTA_BASES: '5',
        FUOTA_DELTA_BUILD_TIMEOUT_SECONDS: '30',
        FUOTA_DELTA_BUILD_MEMORY_MIB: '1024',
        FUOTA_DELTA_CONCURRENCY: '2',
      },
      '/srv',
    );
    expect(config).to.deep.equal({
      host: '127.0.0.1',
      port: 8443,
      dataDir: '/srv/var/fuota',
      storage: {
        database: { url: 'postgres://fuota:pw@db.internal:5432/fuota', poolSize: 25 },
        blobs: {
          bucket: 'fleet-images',
          prefix: 'fuota/prod',
          endpoint: 'http://minio:9000',
          region: 'eu-west-1',
          pathStyle: true,
        },
      },
      workers: 4,
      tlsFiles: { certFile: '/srv/c.pem', keyFile: '/k.pem' },
      tlsHostnames: ['fuota.example.net', '192.168.1.10'],
      tlsTicketKeys: Buffer.alloc(48, 0xab),
      tlsClientCaFile: '/srv/devices-ca.pem',
      username: 'ops',
      password: 's3cret pass',
      deviceCredential: { username: 'devices', password: 'dpw' },
      operatorCredential: { username: 'admin', password: 'apw' },
      maxUploadBytes: 1048576,
      validateImages: false,
      trustedKeysFile: '/srv/keys/fleet.pem',
      authFailuresPerMinute: 5,
      authCooldownSeconds: 300,
      logLevel: 'debug',
      fleet: {
        ...DEFAULT_FLEET_SETTINGS,
        rules: { ...DEFAULT_FLEET_SETTINGS.rules, successPolls: 3, successMs: 20 * 60_000, silentMs: 90 * 60_000 },
        retentionMs: 7 * 24 * 3600_000,
      },
      audit: { ...DEFAULT_AUDIT_SETTINGS, retentionMs: 3650 * 24 * 3600_000 },
      delta: {
        enabled: false,
        maxRatio: 0.5,
        bases: 5,
        buildTimeoutMs: 30_000,
        buildMemoryMiB: 1024,
        concurrency: 2,
      },
    });
  });

  it('makes and offers delta patches by default, with the documented limits', () => {
    expect(loadConfig({}).delta).to.deep.equal({
      enabled: true,
      maxRatio: 0.8,
      bases: 3,
      buildTimeoutMs: 60_000,
      buildMemoryMiB: 512,
      concurrency: 1,
    });
    expect(loadConfig({ FUOTA_DELTA_MAX_RATIO: '1' }).delta.maxRatio).to.equal(1);
    expect(loadConfig({ FUOTA_DELTA_MAX_RATIO: '.25' }).delta.maxRatio).to.equal(0.25);
  });

  it('honours the seed variable names', () => {
    const config = loadConfig({ US_SERVER_PORT: '50001', US_AUTH_USERNAME: 'seed', US_AUTH_PASSWORD: 'pw' });
    expect([config.port, config.username, config.password]).to.deep.equal([50001, 'seed', 'pw']);
  });

  it('takes FUOTA_WORKERS on shared storage, and 1 on the embedded database; says why it refuses more there', () => {
    expect(loadConfig({ FUOTA_WORKERS: '2', FUOTA_DATABASE_URL: 'postgres://db/fuota' }).workers).to.equal(2);
    expect(loadConfig({ FUOTA_WORKERS: '1' }).workers).to.equal(1);
    expect(() => loadConfig({ FUOTA_WORKERS: '3' })).to.throw(
      'FUOTA_WORKERS: FUOTA_WORKERS=3 needs shared storage (FUOTA_DATABASE_URL)',
    );
    expect(() => loadConfig({ FUOTA_WORKERS: '65', FUOTA_DATABASE_URL: 'postgres://db/fuota' })).to.throw(
      'FUOTA_WORKERS: must be at most 64 (got "65")',
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ FUOTA_PORT: '', FUOTA_PASSWORD: '' })).to.include({ port: 50000, password: undefined });
  });

  const invalid: Array<[Record<string, string>, string]> = [
    [{ FUOTA_PORT: 'abc' }, 'FUOTA_PORT'],
    [{ FUOTA_PORT: '70000' }, 'FUOTA_PORT'],
    [{ US_SERVER_PORT: '-1' }, 'FUOTA_PORT'],
    [{ FUOTA_MAX_UPLOAD_BYTES: '0' }, 'FUOTA_MAX_UPLOAD_BYTES'],
    [{ FUOTA_MAX_UPLOAD_BYTES: '1e6' }, 'FUOTA_MAX_UPLOAD_BYTES'],
    [{ FUOTA_HOST: 'not a host' }, 'FUOTA_HOST'],
    [{ FUOTA_TLS_CERT: 'c.pem' }, 'FUOTA_TLS_KEY'],
    [{ FUOTA_TLS_KEY: 'k.pem' }, 'FUOTA_TLS_CERT'],
    [{ FUOTA_TLS_HOSTNAMES: 'ok.example,bad name' }, 'FUOTA_TLS_HOSTNAMES'],
    [{ FUOTA_USERNAME: 'a:b' }, 'FUOTA_USERNAME'],
    [{ FUOTA_LOG_LEVEL: 'verbose' }, 'FUOTA_LOG_LEVEL'],
    [{ FUOTA_PORT: '1', US_SERVER_PORT: '2' }, 'FUOTA_PORT'],
    [{ FUOTA_VALIDATE_IMAGES: 'maybe' }, 'FUOTA_VALIDATE_IMAGES'],
    [{ FUOTA_DEVICE_USERNAME: 'd' }, 'FUOTA_DEVICE_PASSWORD'],
    [{ FUOTA_OPERATOR_PASSWORD: 'p' }, 'FUOTA_OPERATOR_USERNAME'],
    [{ FUOTA_AUTH_FAILURES_PER_MINUTE: '0' }, 'FUOTA_AUTH_FAILURES_PER_MINUTE'],
    [{ FUOTA_AUTH_COOLDOWN_SECONDS: 'soon' }, 'FUOTA_AUTH_COOLDOWN_SECONDS'],
    [{ FUOTA_AUDIT_DAYS: '0' }, 'FUOTA_AUDIT_DAYS'],
    [{ FUOTA_DELTA: 'sometimes' }, 'FUOTA_DELTA'],
    [{ FUOTA_DELTA_MAX_RATIO: '0' }, 'FUOTA_DELTA_MAX_RATIO'],
    [{ FUOTA_DELTA_MAX_RATIO: '1.5' }, 'FUOTA_DELTA_MAX_RATIO'],
    [{ FUOTA_DELTA_MAX_RATIO: '80%' }, 'FUOTA_DELTA_MAX_RATIO'],
    [{ FUOTA_DELTA_BASES: '-1' }, 'FUOTA_DELTA_BASES'],
    [{ FUOTA_DELTA_BUILD_TIMEOUT_SECONDS: '0' }, 'FUOTA_DELTA_BUILD_TIMEOUT_SECONDS'],
    [{ FUOTA_DELTA_BUILD_MEMORY_MIB: '16' }, 'FUOTA_DELTA_BUILD_MEMORY_MIB'],
    [{ FUOTA_DELTA_CONCURRENCY: '0' }, 'FUOTA_DELTA_CONCURRENCY'],
    [{ FUOTA_TLS_TICKET_KEYS: 'ab'.repeat(40) }, 'FUOTA_TLS_TICKET_KEYS'],
    [{ FUOTA_TLS_TICKET_KEYS: 'not a key' }, 'FUOTA_TLS_TICKET_KEYS'],
    [{ FUOTA_DATABASE_URL: 'mysql://db/fuota' }, 'FUOTA_DATABASE_URL'],
    [{ FUOTA_DATABASE_URL: 'db.internal' }, 'FUOTA_DATABASE_URL'],
    [{ FUOTA_DATABASE_POOL_SIZE: '0' }, 'FUOTA_DATABASE_POOL_SIZE'],
    [{ FUOTA_BLOB_URL: 'https://bucket.s3.amazonaws.com' }, 'FUOTA_BLOB_URL'],
    [{ FUOTA_BLOB_URL: 's3://Bad_Bucket/x' }, 'FUOTA_BLOB_URL'],
    [{ FUOTA_BLOB_URL: 's3://bucket/../x' }, 'FUOTA_BLOB_URL'],
    [{ FUOTA_BLOB_URL: 's3://bucket/.hidden' }, 'FUOTA_BLOB_URL'],
    [{ FUOTA_BLOB_URL: 's3://bucket', FUOTA_S3_ENDPOINT: 'minio:9000' }, 'FUOTA_S3_ENDPOINT'],
    [{ FUOTA_BLOB_URL: 's3://bucket', FUOTA_S3_PATH_STYLE: 'sometimes' }, 'FUOTA_S3_PATH_STYLE'],
    [{ FUOTA_BLOB_URL: 's3://bucket', FUOTA_S3_REGION: 'EU West' }, 'FUOTA_S3_REGION'],
    // S3 settings without a bucket: files would quietly land in the data dir instead.
    [{ FUOTA_S3_ENDPOINT: 'http://minio:9000' }, 'FUOTA_S3_ENDPOINT'],
    [{ FUOTA_S3_REGION: 'eu-west-1' }, 'FUOTA_S3_REGION'],
    [{ FUOTA_S3_PATH_STYLE: 'true' }, 'FUOTA_S3_PATH_STYLE'],
    [{ FUOTA_DATABASE_POOL_SIZE: '20' }, 'FUOTA_DATABASE_POOL_SIZE'],
    [{ FUOTA_BLOB_URL: 's3://bucket', FUOTA_S3_ENDPOINT: 'http://user:secret@minio:9000' }, 'FUOTA_S3_ENDPOINT'],
    [
      { FUOTA_BLOB_URL: 's3://bucket', FUOTA_S3_ENDPOINT: 'http://minio:9000/?X-Amz-Credential=x' },
      'FUOTA_S3_ENDPOINT',
    ],
    // Not a key: 64 hex digits (32 bytes, which lenient base64 decoding would stretch to 48),
    // text that is not base64, and 48 zero bytes.
    [{ FUOTA_TLS_TICKET_KEYS: 'ab'.repeat(32) }, 'FUOTA_TLS_TICKET_KEYS'],
    [{ FUOTA_TLS_TICKET_KEYS: `!!!!${'A'.repeat(64)}` }, 'FUOTA_TLS_TICKET_KEYS'],
    [{ FUOTA_TLS_TICKET_KEYS: '0'.repeat(96) }, 'FUOTA_TLS_TICKET_KEYS'],
    [{ FUOTA_WORKERS: '0', FUOTA_DATABASE_URL: 'postgres://db/fuota' }, 'FUOTA_WORKERS'],
    [{ FUOTA_WORKERS: '-1', FUOTA_DATABASE_URL: 'postgres://db/fuota' }, 'FUOTA_WORKERS'],
    [{ FUOTA_WORKERS: 'abc', FUOTA_DATABASE_URL: 'postgres://db/fuota' }, 'FUOTA_WORKERS'],
    [{ FUOTA_WORKERS: '2.5', FUOTA_DATABASE_URL: 'postgres://db/fuota' }, 'FUOTA_WORKERS'],
    [{ FUOTA_WORKERS: '1000', FUOTA_DATABASE_URL: 'postgres://db/fuota' }, 'FUOTA_WORKERS'],
    // Workers on the embedded database: it is one process's.
    [{ FUOTA_WORKERS: '2' }, 'FUOTA_WORKERS'],
    [{ FUOTA_WORKERS: '2', FUOTA_BLOB_URL: 's3://bucket' }, 'FUOTA_WORKERS'],
  ];
  for (const [env, variable] of invalid) {
    it(`names ${variable} for ${JSON.stringify(env)}`, () => {
      expect(() => loadConfig(env))
        .to.throw(ConfigError)
        .with.property('variable', variable);
      try {
        loadConfig(env);
      } catch (error) {
        expect((error as Error).message)
          .to.match(new RegExp(`^${variable}: `))
          .and.not.include('\n');
      }
    });
  }

  it('keeps files at the root of a bucket given without a prefix, in AWS_REGION unless FUOTA_S3_REGION says', () => {
    expect(loadConfig({ FUOTA_BLOB_URL: 's3://images', AWS_REGION: 'ap-south-1' }).storage).to.deep.equal({
      database: undefined,
      blobs: { bucket: 'images', prefix: '', endpoint: undefined, region: 'ap-south-1', pathStyle: false },
    });
    expect(loadConfig({ FUOTA_BLOB_URL: 's3://images/' }).storage.blobs).to.include({
      prefix: '',
      region: 'us-east-1',
    });
  });

  it('reads a ticket key given in base64 as well as in hex, and never echoes a wrong one', () => {
    const key = Buffer.alloc(48, 7);
    expect(loadConfig({ FUOTA_TLS_TICKET_KEYS: key.toString('base64') }).tlsTicketKeys).to.deep.equal(key);
    const refused = () => loadConfig({ FUOTA_TLS_TICKET_KEYS: key.subarray(0, 40).toString('hex') });
    expect(refused).to.throw(ConfigError).with.property('message').that.does.not.include('0707');
  });

  it("takes every form of database URL node-postgres reads, a Unix socket's with a user name too", () => {
    for (const url of [
      'postgres://fuota:pw@/fuota?host=/run/postgresql',
      'postgres://fuota@/fuota?host=/run/postgresql',
      'postgres:///fuota?host=/run/postgresql',
      'postgresql://fuota:pw@db.internal:5433/fuota',
      'postgres://fuota:p:w@[::1]:65535/fuota',
      'postgres://fuota@[::1]/fuota',
      'postgres://u:pw@[2001:db8::5]/db',
      'postgres://db.internal:/fuota',
      'postgres://fuota@db.internal/fuota?port=6432&sslmode=require',
    ])
      expect(loadConfig({ FUOTA_DATABASE_URL: url }).storage.database?.url, url).to.equal(url);
    // It says where, without the password: the socket's directory when one is given.
    expect(describeUrl('postgres://fuota:pw@/fuota?host=/run/postgresql')).to.equal('/run/postgresql/fuota');
    expect(describeUrl('postgres://fuota:pw@localhost/fuota?host=/run/postgresql')).to.equal('/run/postgresql/fuota');
    expect(describeUrl('postgresql://fuota:pw@db.internal:5433/fuota')).to.equal('db.internal:5433/fuota');
    expect(shownValue('FUOTA_DATABASE_URL', 'postgres://fuota:hunter2@/fuota?host=/run/postgresql')).to.equal(
      'postgres://…@/fuota?host=/run/postgresql',
    );
    // A raw @ or / in the password, which node-postgres reads in this form: none of it shown.
    for (const url of [
      'postgres://fuota:hun@ter2@/fuota?host=/run/pg',
      'postgres://fuota:hun/ter@2@/fuota?host=/run/pg',
    ]) {
      expect(describeUrl(url), url).to.equal('/run/pg/fuota');
      expect(shownValue('FUOTA_DATABASE_URL', url), url).to.equal('postgres://…@/fuota?host=/run/pg');
    }
    // A malformed escape is shown as it is, not a crash at start.
    expect(describeUrl('postgres://fuota:pw@/fuota?host=%ZZ')).to.equal('%ZZ/fuota');
  });

  it('refuses a database URL whose port is none, naming the range (node-postgres called it an unreachable server)', () => {
    for (const url of [
      'postgres://fuota:pw@db.internal:99999/fuota',
      'postgres://fuota:pw@db.internal:0/fuota',
      'postgres://fuota:pw@db.internal:5432x/fuota',
      'postgres://fuota:pw@[::1]:70000/fuota',
      'postgres://u:pw@db:99999/x@y',
      'postgres://fuota:pw@db.internal/fuota?sslmode=require&port=0',
    ])
      expect(() => loadConfig({ FUOTA_DATABASE_URL: url }), url)
        .to.throw(ConfigError)
        .with.property('message')
        .that.includes('FUOTA_DATABASE_URL: names a port that is none: a port is 1-65535')
        .and.does.not.include('pw@');
  });

  it('says to percent-encode a /, ? or # in the password, which would read as a port that is none', () => {
    for (const url of [
      'postgres://fuota:pa/ss@db.internal:5432/fuota',
      'postgres://fuota:pa?ss@db.internal/fuota',
      'postgres://fuota:pa#ss@db.internal:5432/fuota',
      // A valid port before the raw /: node-postgres connected to the host "fuota", database "ss@db.internal/fuota".
      'postgres://fuota:12/ss@db.internal/fuota',
      'postgres://fuota:1234?ss@db.internal/fuota',
      'postgres://fuota:1234#ss@db.internal/fuota',
    ])
      expect(() => loadConfig({ FUOTA_DATABASE_URL: url }), url)
        .to.throw(ConfigError)
        .with.property('message')
        .that.includes('FUOTA_DATABASE_URL: holds a raw /, ? or # in its user name or password: percent-encode them')
        .and.does.not.include('ss@');
    // Nor does a password with a raw / that leaves a valid port show in what is said of the URL.
    expect(shownValue('FUOTA_DATABASE_URL', 'postgres://fuota:12/secret@db/x')).to.equal('postgres://…@db/x');
    // An @ in a query's value is no password's.
    expect(loadConfig({ FUOTA_DATABASE_URL: 'postgres://db.internal:5432?user=fuota@tenant' }).storage).to.not.equal(
      undefined,
    );
    // Encoded, it is taken.
    expect(loadConfig({ FUOTA_DATABASE_URL: 'postgres://fuota:pa%2Fss@db.internal:5432/fuota' }).storage).to.not.equal(
      undefined,
    );
  });

  it('never echoes the password of a database URL in its error', () => {
    const refused = () => loadConfig({ FUOTA_DATABASE_URL: 'mysql://fuota:hunter2@db/fuota' });
    expect(refused).to.throw(ConfigError).with.property('message').that.does.not.include('hunter2');
  });

  it('never echoes a password in its error', () => {
    expect(() => loadConfig({ FUOTA_PASSWORD: 'bad\u0001secret' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.does.not.include('secret');
  });
});
