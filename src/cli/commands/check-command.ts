import type { Command } from 'commander';
import { apiPath, failureOf, PROBE_HEADERS } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import { humanBytes } from '../output.js';

/** Asks exactly what a device asks, and says what the answer means. */
export function checkCommand(program: Command, context: CliContext): void {
  program
    .command('check')
    .description(
      "ask for an update as a device running <version> would, and explain the answer (its row's; the fleet records nothing of it)",
    )
    .argument('<device-id>', 'the device id')
    .requiredOption('--version <app_ver>', 'the version the device would say it runs')
    .addHelpText('after', '\nExample:\n  fuota check 24:0A:C4:00:01:02 --version v1.9.0')
    .action(async (deviceId: string, options: { version: string }) => {
      const query = `app_ver=${encodeURIComponent(options.version)}`;
      const res = await context.client().send('GET', `${apiPath('devices', deviceId)}?${query}`, {
        headers: PROBE_HEADERS,
      });
      if (res.status === 200) {
        const file = {
          path: res.body.toString('utf8'),
          size: res.headers['x-firmware-size'] === undefined ? undefined : Number(res.headers['x-firmware-size']),
          sha256: res.headers['x-firmware-sha256'],
          version: res.headers['x-firmware-version'],
        };
        context.output.result({ deviceId, running: options.version, outcome: 'update-offered', file }, () =>
          [
            `update offered: ${file.path}`,
            ...(file.size === undefined ? [] : [`  size:     ${humanBytes(file.size)} (${file.size} bytes)`]),
            ...(file.sha256 === undefined ? [] : [`  sha256:   ${String(file.sha256)}`]),
            ...(file.version === undefined ? [] : [`  version:  ${String(file.version)}`]),
            `  (the device's row says: running ${options.version}, install this file)`,
          ].join('\n'),
        );
        return;
      }
      if (res.status === 204) {
        context.output.result(
          { deviceId, running: options.version, outcome: 'no-update' },
          () =>
            `no update: the device is known, but its row offers a file only to another version than ${options.version}`,
        );
        return;
      }
      const failure = failureOf(res);
      const code = (failure.problem as { code?: unknown } | undefined)?.code;
      if (res.status === 404 && (code === 'device-not-found' || code === 'update-file-missing')) {
        const why =
          code === 'device-not-found'
            ? 'the server has no row for this device'
            : 'the row names a file that is not stored';
        throw new CliFailure(
          `not found: ${why} (a device gets 404 and tries again later)`,
          EXIT.notFound,
          failure.problem,
        );
      }
      throw failure;
    });
}
