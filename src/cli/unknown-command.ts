import type { Command } from 'commander';

/**
 * The unknown command that `args` name before a `--help`, as `fuota <that>`, or undefined.
 * Commander answers `fuota bogus --help` with the top-level help and exit 0, as if `bogus` were
 * fine (a new user's try); `fuota bogus` alone is "unknown command", exit 2, and so should this be.
 * Walks down the commands as commander does, skipping each one's options (and their values).
 */
export function unknownCommandBeforeHelp(program: Command, args: readonly string[]): string | undefined {
  const end = args.indexOf('--');
  const given = end === -1 ? args : args.slice(0, end);
  if (!given.includes('--help') && !given.includes('-h')) return undefined;
  let command = program;
  const path: string[] = [];
  for (let index = 0; index < given.length; index += 1) {
    const arg = given[index] ?? '';
    if (arg.startsWith('-')) {
      const option = command.options.find((candidate) => candidate.long === arg || candidate.short === arg);
      // A value in the next argument (not `--url=...`): skipped with its option.
      if (option !== undefined && (option.required || option.optional) && !arg.includes('=')) index += 1;
      continue;
    }
    if (command.commands.length === 0 || arg === 'help') return undefined;
    const next = command.commands.find((candidate) => candidate.name() === arg || candidate.aliases().includes(arg));
    if (next === undefined) return [...path, arg].join(' ');
    path.push(arg);
    command = next;
  }
  return undefined;
}
