#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ignoreBrokenPipes } from './broken-pipe.js';
import { cliContext } from './cli-context.js';
import { auditCommand } from './commands/audit-command.js';
import { checkCommand } from './commands/check-command.js';
import { deviceCommands } from './commands/device-commands.js';
import { devicesCommand } from './commands/devices-command.js';
import { fileCommands } from './commands/file-commands.js';
import { fleetCommand } from './commands/fleet-command.js';
import { inspectCommand } from './commands/inspect-command.js';
import { inventoryCommands } from './commands/inventory-commands.js';
import { keysCommands } from './commands/keys-commands.js';
import { deltaCommands } from './commands/delta-commands.js';
import { rmCommand } from './commands/rm-command.js';
import { rolloutCommands } from './commands/rollout-commands.js';
import { uploadCommand } from './commands/upload-command.js';
import { CliFailure, EXIT } from './exit-codes.js';
import { printable } from './output.js';
import { unknownCommandBeforeHelp } from './unknown-command.js';

ignoreBrokenPipes([process.stdout, process.stderr]);

const program = new Command('fuota')
  .description('Drive a fuota firmware-update server from a terminal or a script.')
  .option('--url <url>', 'the server (env FUOTA_URL; default https://localhost:50000)')
  .option('-u, --username <name>', "operator username (env FUOTA_USERNAME; default fuota, as the server's)")
  .option(
    '-p, --password <password>',
    'operator password (env FUOTA_PASSWORD; prefer the variable: a flag shows in the process list; asked for on a terminal when neither is given)',
  )
  .option('--ca-cert <file>', 'PEM certificate to trust for the server, e.g. data/tls/cert.pem (env FUOTA_CA_CERT)')
  .option('--json', 'print results as JSON, for scripts')
  .option(
    '--timeout <seconds>',
    'give up on a server that sends and takes nothing for this long (env FUOTA_TIMEOUT; default 60; 0: never)',
  )
  .addHelpText(
    'after',
    `
Exit status: 0 done, 1 server error, unreachable or untrusted, 2 usage, 3 refused credential,
4 not found, 5 request refused (invalid input, image rejected), 6 no answer within --timeout,
130 interrupted.

Example session:
  export FUOTA_URL=https://fuota.example.net:50000 FUOTA_USERNAME=admin FUOTA_PASSWORD=... FUOTA_CA_CERT=cert.pem
  fuota upload build/lamp.bin --as lamp/v2.0.0.bin
  fuota assign 24:0A:C4:00:01:02 --from v1.9.0 --file lamp/v2.0.0.bin
  fuota check 24:0A:C4:00:01:02 --version v1.9.0
  fuota devices
  fuota fleet
  fuota devices --inventory --overdue
  fuota device 24:0A:C4:00:01:02
  fuota rollout create --name 'lamp 2.0' --file lamp/v2.0.0.bin --waves 1,10,50,100 --tags-all lamp
  fuota rollout show r-3kq9
  fuota audit --after 41
  fuota delta ls`,
  )
  .showHelpAfterError()
  .exitOverride();

const context = cliContext(program, process.env);
uploadCommand(program, context);
deviceCommands(program, context);
devicesCommand(program, context);
fileCommands(program, context);
checkCommand(program, context);
inspectCommand(program, context);
rmCommand(program, context);
fleetCommand(program, context);
inventoryCommands(program, context);
auditCommand(program, context);
rolloutCommands(program, context);
keysCommands(program, context);
deltaCommands(program, context);
for (const command of program.commands) command.exitOverride();

/**
 * --json as given, even when commander stopped before it read it (an unknown option before it
 * moves the rest to the subcommand, which may refuse them first).
 */
const asJson = () => context.output.json || process.argv.slice(2, dashDash()).includes('--json');
const dashDash = () => {
  const at = process.argv.indexOf('--', 2);
  return at === -1 ? undefined : at;
};

try {
  const unknown = unknownCommandBeforeHelp(program, process.argv.slice(2));
  if (unknown !== undefined) program.error(`error: unknown command '${unknown}'`, { code: 'commander.unknownCommand' });
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end "with an error" in commander's terms; they are a success here.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // Commander printed its message on stderr; scripts asking for JSON get it as every other
    // usage error, on stdout.
    if (error.exitCode !== 0 && asJson()) {
      const message = error.message.replace(/^error: /, '');
      process.stdout.write(`${JSON.stringify({ error: message, exitCode: EXIT.usage, problem: null }, null, 2)}\n`);
    }
  } else if (error instanceof CliFailure) {
    if (asJson())
      process.stdout.write(
        `${JSON.stringify({ error: error.message, exitCode: error.code, problem: error.problem ?? null }, null, 2)}\n`,
      );
    process.stderr.write(`fuota: ${printable(error.message)}\n`);
    process.exitCode = error.code;
  } else {
    process.stderr.write(`fuota: ${printable(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = EXIT.failed;
  }
}
