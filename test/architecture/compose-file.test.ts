import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
// A devDependency's own dependency (@seriousme/openapi-schema-validator's): a YAML 1.2 parser.
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/main/config/load-config.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FILE = join(ROOT, 'docker', 'compose.yaml');

interface Service {
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly image?: string;
  readonly command?: string[];
  readonly entrypoint?: string[];
  readonly environment?: Record<string, string>;
  readonly ports?: string[];
  readonly volumes?: string[];
  readonly depends_on?: Record<string, { readonly condition: string }>;
  readonly healthcheck?: unknown;
  readonly restart?: string;
}

interface Compose {
  readonly services: Record<string, Service>;
  readonly volumes: Record<string, unknown>;
}

const text = readFileSync(FILE, 'utf8');
const compose = parse(text, { merge: true }) as Compose;
const services = Object.entries(compose.services);
const fuotas = services.filter(([, service]) => service.build?.dockerfile === 'docker/Dockerfile');
const INTERPOLATION = /\$\{([A-Z_]+):\?[^}]*\}/g;

/** A service's environment as compose hands it over, `${NAME:?...}` replaced by a sample value. */
function environment(service: Service): Record<string, string> {
  const samples: Record<string, string> = { FUOTA_TLS_TICKET_KEYS: 'ab'.repeat(48) };
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [
      name,
      String(value).replace(INTERPOLATION, (_, variable: string) => samples[variable] ?? `sample-${variable}`),
    ]),
  );
}

function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
}

/**
 * docker/compose.yaml, the documented production shape (issue 19), cannot be run here (no image
 * registry), so its structure is checked: two fuota instances on one PostgreSQL and one MinIO
 * bucket, every setting one fuota accepts, and the services naming each other rightly.
 */
describe('docker/compose.yaml', () => {
  it('has two fuota services built from the Dockerfile, PostgreSQL, MinIO and a one-shot bucket maker', () => {
    expect(fuotas.map(([name]) => name)).to.have.length(2);
    for (const [, fuota] of fuotas) {
      expect(fuota.build?.context).to.equal('..');
      expect(existsSync(join(ROOT, 'docker', fuota.build?.context ?? '', fuota.build?.dockerfile ?? ''))).to.equal(
        true,
      );
    }
    expect(service('postgres').image).to.match(/^postgres:\d+/);
    expect(service('minio').image).to.match(/^minio\/minio/);
    expect(service('minio-bucket').image).to.match(/^minio\/mc/);
    expect(service('minio-bucket').restart).to.equal('no');
  });

  it('sets only variables fuota reads, and a configuration it accepts (with the .env values filled in)', () => {
    for (const [name, fuota] of fuotas) {
      const env = environment(fuota);
      const own = Object.keys(env).filter((variable) => variable.startsWith('FUOTA_'));
      expect(own.length, name).to.be.above(5);
      for (const variable of own) expect(CONFIG_VARIABLES, `${name}: ${variable}`).to.include(variable);
      const config = loadConfig(env, '/app');
      expect(config.storage.database, name).not.to.equal(undefined);
      expect(config.storage.blobs, name).not.to.equal(undefined);
      expect(config.tlsTicketKeys, name).not.to.equal(undefined);
      expect(config.password, name).not.to.equal(undefined);
    }
  });

  it('gives each instance its own host port and data dir volume, and both the same storage, key, credential and certificate', () => {
    const [first, second] = fuotas.map(([, fuota]) => fuota);
    expect(first?.ports).to.have.length(1);
    expect(second?.ports).to.have.length(1);
    const hostPort = (fuota: Service | undefined) => fuota?.ports?.[0]?.split(':')[0];
    // The image listens on 50000 (its FUOTA_PORT).
    for (const fuota of [first, second]) expect(fuota?.ports?.[0]).to.match(/^\d+:50000$/);
    expect(hostPort(first)).not.to.equal(hostPort(second));
    const dataVolume = (fuota: Service | undefined) =>
      fuota?.volumes?.find((volume) => volume.endsWith(':/data'))?.split(':')[0];
    expect(dataVolume(first)).to.be.a('string');
    expect(dataVolume(first)).not.to.equal(dataVolume(second));
    for (const variable of [
      'FUOTA_DATABASE_URL',
      'FUOTA_BLOB_URL',
      'FUOTA_TLS_TICKET_KEYS',
      'FUOTA_PASSWORD',
      'FUOTA_TLS_CERT',
      'FUOTA_TLS_KEY',
    ]) {
      expect(first?.environment?.[variable], variable).to.be.a('string');
      expect(first?.environment?.[variable], variable).to.equal(second?.environment?.[variable]);
    }
    // The certificate both present is mounted where FUOTA_TLS_CERT and FUOTA_TLS_KEY point.
    for (const fuota of [first, second]) {
      const mount = fuota?.volumes?.find((volume) => volume.endsWith(':ro'))?.split(':');
      expect(fuota?.environment?.FUOTA_TLS_CERT?.startsWith(`${mount?.[1]}/`)).to.equal(true);
      expect(fuota?.environment?.FUOTA_TLS_KEY?.startsWith(`${mount?.[1]}/`)).to.equal(true);
    }
  });

  it('points fuota at the PostgreSQL and MinIO services with their own user, database and keys', () => {
    const postgres = service('postgres').environment ?? {};
    const minio = service('minio').environment ?? {};
    for (const [name, fuota] of fuotas) {
      const env = fuota.environment ?? {};
      const database = new URL(env.FUOTA_DATABASE_URL?.replace(INTERPOLATION, 'pw') ?? '');
      expect([database.hostname, database.port, database.username, database.pathname], name).to.deep.equal([
        'postgres',
        '5432',
        postgres.POSTGRES_USER,
        `/${postgres.POSTGRES_DB}`,
      ]);
      expect(env.FUOTA_DATABASE_URL).to.include(postgres.POSTGRES_PASSWORD);
      const endpoint = new URL(env.FUOTA_S3_ENDPOINT ?? '');
      expect([endpoint.hostname, endpoint.port], name).to.deep.equal(['minio', '9000']);
      expect(env.AWS_ACCESS_KEY_ID).to.equal(minio.MINIO_ROOT_USER);
      expect(env.AWS_SECRET_ACCESS_KEY).to.equal(minio.MINIO_ROOT_PASSWORD);
      expect(Object.keys(fuota.depends_on ?? {}).sort(), name).to.deep.equal(['minio-bucket', 'postgres']);
    }
    // The bucket fuota uses is the one the one-shot service makes, on the same MinIO.
    const bucket = new URL(fuotas[0]?.[1].environment?.FUOTA_BLOB_URL ?? '').hostname;
    const maker = (service('minio-bucket').entrypoint ?? []).join(' ');
    expect(maker).to.include('http://minio:9000');
    expect(maker).to.match(new RegExp(`mc mb --ignore-existing \\w+/${bucket}$`));
    expect(Object.keys(service('minio-bucket').depends_on ?? {})).to.deep.equal(['minio']);
  });

  it('names only services and volumes it defines, and asks .env only for what its header lists', () => {
    const names = new Set(Object.keys(compose.services));
    for (const [name, one] of services) {
      for (const needed of Object.keys(one.depends_on ?? {})) expect(names, `${name} -> ${needed}`).to.include(needed);
      for (const volume of one.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('.')) expect(Object.keys(compose.volumes), `${name}: ${source}`).to.include(source);
      }
    }
    const header = text.slice(0, text.indexOf('\nname:'));
    for (const [, variable] of text.matchAll(INTERPOLATION)) expect(header, variable).to.include(variable ?? '');
  });
});
