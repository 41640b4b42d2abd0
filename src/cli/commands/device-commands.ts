import type { Command } from 'commander';
import type { ApiClient } from '../api-client.js';
import { apiPath } from '../api-client.js';
import type { CliContext } from '../cli-context.js';

/** One field of the seed's CSV record: always quoted, quotes doubled. */
const csvField = (value: string) => `"${value.replace(/"/g, '""')}"`;

/** Whether the server stores `path`; undefined when it would not say. */
async function fileStored(client: ApiClient, path: string): Promise<boolean | undefined> {
  try {
    const res = await client.send('GET', apiPath('api', 'v1', 'files', ...path.split('/')));
    return res.status === 200 ? true : res.status === 404 ? false : undefined;
  } catch {
    return undefined; // the row is set all the same: the command did what it was asked
  }
}

/** The device rows: assign, unassign (`fuota devices` lists them, see devices-command.ts). */
export function deviceCommands(program: Command, context: CliContext): void {
  program
    .command('assign')
    .description("offer a file to a device running a given version (the seed's device row)")
    .argument('<device-id>', 'the device id (its MAC address in esp32-fuota)')
    .requiredOption('--from <app_ver>', 'the version the device runs now: only then is the file offered')
    .requiredOption('--file <path>', 'the update path of a stored file')
    .addHelpText('after', '\nExample:\n  fuota assign 24:0A:C4:00:01:02 --from v1.9.0 --file lamp/v2.0.0.bin')
    .action(async (deviceId: string, options: { from: string; file: string }) => {
      const record = [deviceId, options.from, options.file].map(csvField).join(',');
      const client = context.client();
      // The server refuses (409) a file of the very version the device runs; its reason is shown.
      await client.expect([200], 'PUT', apiPath('devices', deviceId), {
        headers: { 'Content-Type': 'text/csv' },
        body: Buffer.from(record),
      });
      const stored = await fileStored(client, options.file);
      const row = { deviceId, appVersion: options.from, updateFilePath: options.file, fileStored: stored };
      context.output.result(row, () => `${deviceId}: running ${options.from}, it will be offered ${options.file}`);
      // Allowed (the file may be uploaded after the row), but easy to get wrong by a typo.
      if (stored === false) {
        context.output.warn(
          `${options.file} is not stored: the device is told 404 when it checks until it is uploaded (fuota upload <file> --as ${options.file})`,
        );
      } else if (stored === undefined) {
        context.output.warn(`could not check whether ${options.file} is stored`);
      }
    });

  program
    .command('unassign')
    .description("delete a device's row (the file stays stored)")
    .argument('<device-id>', 'the device id')
    .addHelpText('after', '\nExample:\n  fuota unassign 24:0A:C4:00:01:02')
    .action(async (deviceId: string) => {
      await context.client().expect([200], 'DELETE', apiPath('devices', deviceId));
      context.output.result({ deleted: deviceId }, () => `${deviceId}: row deleted`);
    });
}
