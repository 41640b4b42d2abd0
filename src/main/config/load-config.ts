import { DEFAULT_AUDIT_SETTINGS } from '../../app/audit/audit-settings.js';
import { DEFAULT_FLEET_SETTINGS } from '../../app/fleet/fleet-settings.js';
import { DEFAULT_DELTA_SETTINGS } from '../../app/delta/delta-settings.js';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Config, LogLevel } from '../../app/config/config.js';
import { LOG_LEVELS } from '../../app/config/config.js';
import { ConfigError } from './config-error.js';
import { blobUrl, databaseUrl, endpointUrl, storageSettings } from './storage-config.js';
import { shownValue } from './shown-value.js';

/** Seed variable names still honoured, so a seed deployment's environment works unchanged. */
const ALIASES = {
  FUOTA_PORT: 'US_SERVER_PORT',
  FUOTA_USERNAME: 'US_AUTH_USERNAME',
  FUOTA_PASSWORD: 'US_AUTH_PASSWORD',
} as const;

const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const isHostOrIp = (value: string) => HOSTNAME.test(value) || isIP(value) !== 0;

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** A share such as 0.8: a decimal number above 0 and at most 1. */
const ratio = z
  .string()
  .regex(/^(0?\.\d+|1(\.0*)?|0)$/, 'must be a decimal number above 0 and at most 1, such as 0.8')
  .transform(Number)
  .pipe(z.number().gt(0, 'must be above 0').max(1, 'must be at most 1'));

const username = z
  .string()
  .regex(/^[\x21-\x39\x3B-\x7E]{1,128}$/, 'must be 1-128 printable ASCII characters without ":" or spaces');
const password = z.string().regex(/^[\x20-\x7E]{1,256}$/, 'must be 1-256 printable ASCII characters');

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], 'must be true or false')
  .transform((value) => ['true', '1', 'yes'].includes(value));

/** 48 bytes (Node's ticket key: name, HMAC and AES keys), as 96 hex digits or base64. */
const ticketKeys = z
  .string()
  .transform((text) => {
    if (/^[0-9a-fA-F]{96}$/.test(text)) return Buffer.from(text, 'hex');
    // Only hex digits but not 96 of them: hex of the wrong length (openssl rand -hex 32), even
    // when it happens to decode as base64.
    if (/^[0-9a-fA-F]+$/.test(text)) return Buffer.alloc(0);
    // Node's base64 decoder skips what is not base64: only text that is exactly the encoding of
    // its bytes counts.
    const key = Buffer.from(text, 'base64');
    return key.toString('base64') === text ? key : Buffer.alloc(0);
  })
  .refine((key) => key.length === 48, 'must be 48 bytes as 96 hex digits (openssl rand -hex 48) or base64')
  .refine((key) => key.some((byte) => byte !== 0), 'must not be all zeros: draw it with openssl rand -hex 48');

/** More worker processes than this is a typo (a machine has far fewer cores), not a plan. */
export const MAX_WORKERS = 64;

const logLevel = z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info');

const schema = z.object({
  FUOTA_HOST: z.string().refine(isHostOrIp, 'must be an IP address or a host name').default('0.0.0.0'),
  FUOTA_PORT: integer(0, 65535).default(50000),
  FUOTA_DATA_DIR: z.string().default('./data'),
  FUOTA_TLS_CERT: z.string().optional(),
  FUOTA_TLS_KEY: z.string().optional(),
  FUOTA_TLS_CLIENT_CA: z.string().min(1).optional(),
  FUOTA_TLS_TICKET_KEYS: ticketKeys.optional(),
  FUOTA_TLS_HOSTNAMES: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    )
    .pipe(z.array(z.string().refine(isHostOrIp, 'must list DNS names or IP addresses, comma-separated')))
    .default([]),
  FUOTA_USERNAME: username.default('fuota'),
  FUOTA_PASSWORD: password.optional(),
  FUOTA_DEVICE_USERNAME: username.optional(),
  FUOTA_DEVICE_PASSWORD: password.optional(),
  FUOTA_OPERATOR_USERNAME: username.optional(),
  FUOTA_OPERATOR_PASSWORD: password.optional(),
  FUOTA_MAX_UPLOAD_BYTES: integer(1, Number.MAX_SAFE_INTEGER).default(33554432),
  FUOTA_VALIDATE_IMAGES: boolean.default(true),
  FUOTA_TRUSTED_KEYS: z.string().min(1).optional(),
  FUOTA_AUTH_FAILURES_PER_MINUTE: integer(1, 1_000_000).default(20),
  FUOTA_AUTH_COOLDOWN_SECONDS: integer(1, 86_400).default(60),
  FUOTA_LOG_LEVEL: logLevel,
  FUOTA_SUCCESS_POLLS: integer(0, 1_000).default(2),
  FUOTA_SUCCESS_MINUTES: integer(0, 100_000).default(10),
  FUOTA_SILENT_MINUTES: integer(1, 100_000).default(60),
  FUOTA_HISTORY_DAYS: integer(1, 3_650).default(30),
  FUOTA_AUDIT_DAYS: integer(1, 36_500).default(365),
  FUOTA_DATABASE_URL: databaseUrl.optional(),
  FUOTA_DATABASE_POOL_SIZE: integer(1, 1_000).default(10),
  FUOTA_BLOB_URL: blobUrl.optional(),
  FUOTA_S3_ENDPOINT: endpointUrl.optional(),
  FUOTA_S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'must be a region name such as us-east-1 (or auto for Cloudflare R2)')
    .optional(),
  FUOTA_S3_PATH_STYLE: boolean.default(false),
  FUOTA_WORKERS: integer(1, MAX_WORKERS).default(1),
  FUOTA_DELTA: boolean.default(true),
  FUOTA_DELTA_MAX_RATIO: ratio.default(DEFAULT_DELTA_SETTINGS.maxRatio),
  FUOTA_DELTA_BASES: integer(0, 100).default(DEFAULT_DELTA_SETTINGS.bases),
  FUOTA_DELTA_BUILD_TIMEOUT_SECONDS: integer(1, 3_600).default(DEFAULT_DELTA_SETTINGS.buildTimeoutMs / 1000),
  FUOTA_DELTA_BUILD_MEMORY_MIB: integer(64, 65_536).default(DEFAULT_DELTA_SETTINGS.buildMemoryMiB),
  FUOTA_DELTA_CONCURRENCY: integer(1, 64).default(DEFAULT_DELTA_SETTINGS.concurrency),
});

type Variable = keyof z.input<typeof schema>;

/** Every FUOTA_ variable the configuration reads (the seed's aliases aside). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

/**
 * FUOTA_LOG_LEVEL alone, for the logger that exists before the rest of the configuration is read
 * (so that a configuration error can be reported by a working program); same rule as loadConfig.
 */
export function loadLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  const raw = env.FUOTA_LOG_LEVEL === '' ? undefined : env.FUOTA_LOG_LEVEL;
  const parsed = logLevel.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError('FUOTA_LOG_LEVEL', `${parsed.error.issues[0]?.message ?? 'invalid'} (got "${raw ?? ''}")`);
  return parsed.data;
}

/** Reads the configuration from the environment; throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const raw: Partial<Record<Variable, string>> = {};
  for (const key of Object.keys(schema.shape) as Variable[]) {
    const value = pick(env, key);
    // An empty variable means "not set", as in most shells' `VAR= command`.
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'configuration');
    const shown = raw[variable as Variable];
    throw new ConfigError(
      variable,
      `${issue?.message ?? 'invalid'}${shown === undefined ? '' : ` (got "${shownValue(variable, shown)}")`}`,
    );
  }
  const values = parsed.data;
  refuseStraySettings(raw);
  if (values.FUOTA_WORKERS > 1 && values.FUOTA_DATABASE_URL === undefined) {
    throw new ConfigError(
      'FUOTA_WORKERS',
      `FUOTA_WORKERS=${values.FUOTA_WORKERS} needs shared storage (FUOTA_DATABASE_URL): the embedded database in the data dir is one process's, so worker processes cannot share it`,
    );
  }
  if ((values.FUOTA_TLS_CERT === undefined) !== (values.FUOTA_TLS_KEY === undefined)) {
    const missing = values.FUOTA_TLS_CERT === undefined ? 'FUOTA_TLS_CERT' : 'FUOTA_TLS_KEY';
    throw new ConfigError(missing, 'FUOTA_TLS_CERT and FUOTA_TLS_KEY must be set together');
  }
  return {
    deviceCredential: pair(values.FUOTA_DEVICE_USERNAME, values.FUOTA_DEVICE_PASSWORD, 'FUOTA_DEVICE'),
    operatorCredential: pair(values.FUOTA_OPERATOR_USERNAME, values.FUOTA_OPERATOR_PASSWORD, 'FUOTA_OPERATOR'),
    host: values.FUOTA_HOST,
    port: values.FUOTA_PORT,
    dataDir: resolve(cwd, values.FUOTA_DATA_DIR),
    storage: storageSettings(values, env.AWS_REGION),
    workers: values.FUOTA_WORKERS,
    tlsFiles:
      values.FUOTA_TLS_CERT !== undefined && values.FUOTA_TLS_KEY !== undefined
        ? { certFile: resolve(cwd, values.FUOTA_TLS_CERT), keyFile: resolve(cwd, values.FUOTA_TLS_KEY) }
        : undefined,
    tlsHostnames: values.FUOTA_TLS_HOSTNAMES,
    tlsTicketKeys: values.FUOTA_TLS_TICKET_KEYS,
    tlsClientCaFile: values.FUOTA_TLS_CLIENT_CA === undefined ? undefined : resolve(cwd, values.FUOTA_TLS_CLIENT_CA),
    username: values.FUOTA_USERNAME,
    password: values.FUOTA_PASSWORD,
    maxUploadBytes: values.FUOTA_MAX_UPLOAD_BYTES,
    validateImages: values.FUOTA_VALIDATE_IMAGES,
    trustedKeysFile: values.FUOTA_TRUSTED_KEYS === undefined ? undefined : resolve(cwd, values.FUOTA_TRUSTED_KEYS),
    authFailuresPerMinute: values.FUOTA_AUTH_FAILURES_PER_MINUTE,
    authCooldownSeconds: values.FUOTA_AUTH_COOLDOWN_SECONDS,
    logLevel: values.FUOTA_LOG_LEVEL,
    fleet: {
      ...DEFAULT_FLEET_SETTINGS,
      rules: {
        ...DEFAULT_FLEET_SETTINGS.rules,
        successPolls: values.FUOTA_SUCCESS_POLLS,
        successMs: values.FUOTA_SUCCESS_MINUTES * 60_000,
        silentMs: values.FUOTA_SILENT_MINUTES * 60_000,
      },
      retentionMs: values.FUOTA_HISTORY_DAYS * 24 * 3600_000,
    },
    audit: { ...DEFAULT_AUDIT_SETTINGS, retentionMs: values.FUOTA_AUDIT_DAYS * 24 * 3600_000 },
    delta: {
      enabled: values.FUOTA_DELTA,
      maxRatio: values.FUOTA_DELTA_MAX_RATIO,
      bases: values.FUOTA_DELTA_BASES,
      buildTimeoutMs: values.FUOTA_DELTA_BUILD_TIMEOUT_SECONDS * 1000,
      buildMemoryMiB: values.FUOTA_DELTA_BUILD_MEMORY_MIB,
      concurrency: values.FUOTA_DELTA_CONCURRENCY,
    },
  };
}

/** A setting of shared storage given without the variable that turns that storage on is a mistake. */
function refuseStraySettings(raw: Partial<Record<Variable, string>>): void {
  const needs: Array<[Variable, Variable]> = [
    ['FUOTA_DATABASE_POOL_SIZE', 'FUOTA_DATABASE_URL'],
    ['FUOTA_S3_ENDPOINT', 'FUOTA_BLOB_URL'],
    ['FUOTA_S3_REGION', 'FUOTA_BLOB_URL'],
    ['FUOTA_S3_PATH_STYLE', 'FUOTA_BLOB_URL'],
  ];
  for (const [setting, needed] of needs) {
    if (raw[setting] !== undefined && raw[needed] === undefined) {
      throw new ConfigError(setting, `${setting} is set but ${needed} is not: it only applies with ${needed}`);
    }
  }
}

/** The variable's value, or its seed alias's; both set to different values is an error. */
function pick(env: NodeJS.ProcessEnv, key: Variable): string | undefined {
  const alias = (ALIASES as Record<string, string | undefined>)[key];
  const own = env[key];
  const seed = alias === undefined ? undefined : env[alias];
  if (own !== undefined && own !== '' && seed !== undefined && seed !== '' && own !== seed) {
    throw new ConfigError(key, `${key} and its seed alias ${alias} are both set, to different values`);
  }
  return own !== undefined && own !== '' ? own : seed;
}

/** A user name and password given together, or neither. */
function pair(
  user: string | undefined,
  secret: string | undefined,
  prefix: string,
): { username: string; password: string } | undefined {
  if (user === undefined && secret === undefined) return undefined;
  if (user === undefined || secret === undefined) {
    const missing = user === undefined ? `${prefix}_USERNAME` : `${prefix}_PASSWORD`;
    throw new ConfigError(missing, `${prefix}_USERNAME and ${prefix}_PASSWORD must be set together`);
  }
  return { username: user, password: secret };
}
