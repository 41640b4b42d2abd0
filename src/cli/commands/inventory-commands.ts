import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import { changeDevice, deviceDetail, tagDevices } from '../fleet-api.js';
import { addFilterOptions, filterOf } from '../inventory-filter.js';
import { deviceText } from '../inventory-text.js';

/** `a,b, c` -> ["a", "b", "c"]; repeated options add up. */
const tagList = (raw: string, earlier: string[] = []) => [
  ...earlier,
  ...raw
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== ''),
];

interface TagOptions extends Record<string, unknown> {
  add?: string[];
  remove?: string[];
  all?: boolean;
}

/** One device of the inventory, and what operators add to devices: tags, hold, note. */
export function inventoryCommands(program: Command, context: CliContext): void {
  program
    .command('device')
    .description(
      'one device of the inventory: what it runs, when it was seen, its row, its last attempts and its timeline',
    )
    .argument('<device-id>', 'the device id')
    .addHelpText('after', '\nExamples:\n  fuota device 24:0A:C4:00:01:02\n  fuota device 24:0A:C4:00:01:02 --json')
    .action(async (deviceId: string) => {
      const device = await deviceDetail(context.client(), deviceId);
      context.output.result(device, () => deviceText(device, Date.now()));
    });

  const tag = program
    .command('tag')
    .description('add and remove tags on the devices named, or on every device the --where-* filters pick')
    .argument('[device-ids...]', 'the devices (or give --where-* filters, or --all)')
    .option('--add <tags>', 'tags to add, comma-separated (repeatable)', tagList)
    .option('--remove <tags>', 'tags to remove, comma-separated (repeatable)', tagList)
    .option('--all', 'every device of the inventory');
  addFilterOptions(tag, 'where');
  tag
    .addHelpText(
      'after',
      `
Examples:
  fuota tag 24:0A:C4:00:01:02 24:0A:C4:00:01:03 --add building-7,floor-2 --remove spare
  fuota tag --where-version v1.9.0 --where-chip esp32 --add needs-update
  fuota tag --all --remove trial`,
    )
    .action(async (deviceIds: string[], options: TagOptions) => {
      const add = options.add ?? [];
      const remove = options.remove ?? [];
      if (add.length === 0 && remove.length === 0) throw new CliFailure('give --add and/or --remove', EXIT.usage);
      const filter = filterOf(options, 'where');
      const ways = [deviceIds.length > 0, Object.keys(filter).length > 0, options.all === true].filter(Boolean);
      if (ways.length !== 1) {
        throw new CliFailure(
          'name the devices by id, or pick them with --where-* filters, or give --all (one of the three)',
          EXIT.usage,
        );
      }
      const result = await tagDevices(
        context.client(),
        deviceIds.length > 0 ? { add, remove, devices: deviceIds } : { add, remove, filter },
      );
      context.output.result(result, () => `matched ${result.matched} device(s), changed ${result.changed}`);
      if (result.unknown.length > 0) {
        // Tagging ahead of a rollout a device that has not checked yet would look done.
        const shown = result.unknown.slice(0, 10).join(', ');
        const more = result.unknown.length > 10 ? ` and ${result.unknown.length - 10} more` : '';
        context.output.warn(`not in the inventory (never checked, or forgotten), left untagged: ${shown}${more}`);
        process.exitCode = EXIT.notFound;
      }
    });

  program
    .command('hold')
    .description('hold a device (a mark that leaves it out of rollouts), or release it with --off')
    .argument('<device-id>', 'the device id')
    .option('--off', 'release the hold')
    .addHelpText('after', '\nExamples:\n  fuota hold 24:0A:C4:00:01:02\n  fuota hold 24:0A:C4:00:01:02 --off')
    .action(async (deviceId: string, options: { off?: boolean }) => {
      const device = await changeDevice(context.client(), deviceId, { hold: options.off !== true });
      context.output.result(device, () => `${device.id}: ${device.hold ? 'held' : 'not held'}`);
    });

  program
    .command('note')
    .description("set a device's note (free text for operators; '' clears it), or show it")
    .argument('<device-id>', 'the device id')
    .argument('[text...]', "the note, its words joined with spaces; a single '' clears it; none shows it")
    .addHelpText(
      'after',
      "\nExamples:\n  fuota note 24:0A:C4:00:01:02 replaced the relay, watch it\n  fuota note 24:0A:C4:00:01:02\n  fuota note 24:0A:C4:00:01:02 ''",
    )
    .action(async (deviceId: string, words: string[]) => {
      const client = context.client();
      const device =
        words.length === 0
          ? await deviceDetail(client, deviceId)
          : await changeDevice(client, deviceId, { note: words.join(' ') });
      context.output.result(device, () =>
        device.note === '' ? `${device.id}: no note` : `${device.id}: ${device.note}`,
      );
    });
}
