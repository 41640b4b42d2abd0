#!/usr/bin/env node
// Decorator metadata (inversify, and tsyringe inside @peculiar/x509) needs this before anything.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { Logger } from '../ports/logger.port.js';
import { loadConfig, loadLogLevel } from './config/load-config.js';
import { ConfigError } from './config/config-error.js';
import { loadEphemeralConfig } from './config/ephemeral-config.js';
import { workerIdentity } from './cluster/worker-identity.js';

const USAGE = `Usage: fuota-server [command]

Commands:
  serve                          start the HTTPS server (the default)
      --ephemeral                everything in memory, nothing written to disk: a free port, a
                                 fresh certificate and credential, logs on standard error and one
                                 JSON line on standard output once ready (docs/testing-harness.md)
      --preload <dir>            with --ephemeral: upload <dir>'s *.bin files and set the rows
                                 of <dir>/devices.csv before the ready line
      --exit-on-stdin-close      with --ephemeral: also stop when standard input closes
  import-seed <seed-data-dir>    copy a docker-fuota-server volume (devices.db and the update
                                 files beside it) into FUOTA_DATA_DIR; stop the server first
      --skip-invalid             import what can be served, listing the rest, instead of refusing
  migrate-storage --to <postgres-url> [--blobs <s3://bucket/prefix>]
                                 copy FUOTA_DATA_DIR's embedded state (and, with --blobs, its
                                 update files; without, they stay in the data dir) into shared
                                 storage, then verify counts and SHA-256s; safe to rerun; stop
                                 the server first (the bucket's FUOTA_S3_* settings as for serve)
  healthcheck                    exit 0 when the server configured by the same environment
                                 answers /healthz with 200, 1 otherwise (for containers)
  help                           show this text

Configuration is read from the environment (FUOTA_DATA_DIR, FUOTA_PORT, ...): see the README.
`;

/** Exit codes: 0 done, 1 failed, 2 bad usage or configuration. */
async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'skip-invalid': { type: 'boolean', default: false },
      to: { type: 'string' },
      blobs: { type: 'string' },
      ephemeral: { type: 'boolean', default: false },
      preload: { type: 'string' },
      'exit-on-stdin-close': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command = 'serve', ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  // The configuration is checked before the server's modules load (koa, sql.js, pino, x509...),
  // so that a mistake in it is said at once; each command is loaded only when it runs.
  const logger = async (to: 'stdout' | 'stderr' = 'stdout', workers = 1): Promise<Logger> => {
    const level = loadLogLevel(process.env);
    const { PinoLogger } = await import('../adapters/outbound/logging/pino-logger.js');
    if (to === 'stderr') return PinoLogger.toStderr(level);
    // A worker of FUOTA_WORKERS says which one on each line; it and its primary share stdout.
    const worker = workerIdentity();
    return worker === undefined
      ? PinoLogger.toStdout(level, { sharedOutput: workers > 1 })
      : PinoLogger.toStdout(level, { fields: { worker: worker.slot, pid: worker.pid }, sharedOutput: true });
  };
  const ephemeralOnly = values.preload !== undefined || values['exit-on-stdin-close'];
  if ((values.ephemeral && command !== 'serve') || (ephemeralOnly && !values.ephemeral)) {
    process.stderr.write(`fuota: --ephemeral, --preload and --exit-on-stdin-close go with serve --ephemeral\n\n`);
    process.stderr.write(USAGE);
    return 2;
  }
  const unexpected = (extra: readonly string[]) => {
    process.stderr.write(
      `fuota: unexpected argument${extra.length > 1 ? 's' : ''} to ${command}: ${extra.join(' ')}\n\n`,
    );
  };
  switch (command) {
    case 'serve': {
      if (rest.length > 0) {
        unexpected(rest);
        break;
      }
      if (values.ephemeral) {
        loadEphemeralConfig(process.env);
        const { serveEphemeralCommand } = await import('./commands/serve-ephemeral-command.js');
        const options = { preload: values.preload, exitOnStdinClose: values['exit-on-stdin-close'] };
        return serveEphemeralCommand(process.env, options, await logger('stderr'));
      }
      const { workers } = loadConfig(process.env);
      const { serveCommand } = await import('./commands/serve-command.js');
      return serveCommand(process.env, await logger('stdout', workers));
    }
    case 'healthcheck': {
      if (rest.length > 0) {
        unexpected(rest);
        break;
      }
      const { healthcheckCommand } = await import('./commands/healthcheck-command.js');
      return healthcheckCommand(process.env);
    }
    case 'import-seed': {
      if (rest.length !== 1 || rest[0] === undefined) break;
      loadConfig(process.env);
      const { importSeedCommand } = await import('./commands/import-seed-command.js');
      return importSeedCommand(process.env, rest[0], { skipInvalid: values['skip-invalid'] }, await logger());
    }
    case 'migrate-storage': {
      if (rest.length > 0) break;
      const { checkMigrateOptions, migrateStorageCommand } = await import('./commands/migrate-storage-command.js');
      const options = checkMigrateOptions({ to: values.to, blobs: values.blobs });
      return migrateStorageCommand(process.env, options, await logger(), (text) => process.stdout.write(text));
    }
  }
  process.stderr.write(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`fuota: configuration error: ${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`fuota: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`fuota: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
