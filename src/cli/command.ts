/**
 * The CLI's commands as data: each names its words (`apps create`), a one-line
 * synopsis, its help, and what it runs. The runner finds the command, answers
 * `--help`/`-h` with that command's help, hands `--json` to it, and turns a usage
 * mistake into one line naming the problem with the command's own synopsis.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how a command was called: its synopsis is printed with it, exit 2. */
export class UsageError extends Error {}

export interface CommandContext {
  /** The arguments after the command's words, `--json`, `--help` and `-h` taken out. */
  args: string[];
  /** `--json`: print what a program reads (JSON) instead of what a person reads. */
  json: boolean;
  out: NodeJS.WritableStream;
}

export interface CliCommand {
  /** The words that name it, e.g. ['apps', 'create']. */
  words: readonly string[];
  /** What follows `pinbox` in its synopsis, e.g. `apps create --data FILE|--database-url URL ...`. */
  synopsis: string;
  /** One line: what it does. */
  summary: string;
  /** The rest of its help: options and notes (indented lines). */
  help?: string;
  run(context: CommandContext): Promise<void>;
}

/**
 * Parses a command's arguments (strictly); Node's own wording of a mistake becomes one short line.
 * @example const { values } = parseCommandArgs({ args, options: { data: { type: 'string' } }, strict: true });
 */
export function parseCommandArgs<T extends ParseArgsConfig & { strict: true }>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw asUsageError(error);
  }
}

/** Node's argument-parsing errors as a usage mistake in one short line; anything else unchanged. */
export function asUsageError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') ? new UsageError(shortParseError(error)) : error;
}

function shortParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  // Node names an option `'-p, --port <value>'` or `'--port'`: the long form is the one a person typed most likely.
  const option = /(--[A-Za-z0-9-]+)/.exec(message)?.[1] ?? /'(-[^' ,]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? message}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return /argument missing/.test(message) ? `${option} needs a value` : `${option} takes no value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}`;
  return message;
}

/** How `pinbox` prints a command's help. */
export function commandHelp(command: CliCommand): string {
  return `usage: pinbox ${command.synopsis}\n\n${command.summary}\n${command.help ? `\n${command.help.replace(/\n*$/, '\n')}` : ''}`;
}

/** The commands whose words start with `words`, for a group's help (`pinbox apps --help`). */
function groupHelp(commands: readonly CliCommand[], words: readonly string[]): string {
  const members = commands.filter((c) => words.every((w, i) => c.words[i] === w));
  return `pinbox ${words.join(' ')}: ${members.map((c) => c.words.slice(words.length).join(' ')).join(', ')}\n\n${members
    .map((c) => `  pinbox ${c.synopsis}\n      ${c.summary}`)
    .join('\n')}\n\npinbox ${words.join(' ')} COMMAND --help shows a command's options.\n`;
}

/** Finds the command named by the leading words of argv (the longest match). */
function findCommand(commands: readonly CliCommand[], argv: readonly string[]): CliCommand | undefined {
  let found: CliCommand | undefined;
  for (const command of commands) {
    if (command.words.every((word, i) => argv[i] === word) && (!found || command.words.length > found.words.length)) found = command;
  }
  return found;
}

export interface CliRun {
  /** Exit code: 0, 1 (the command failed), 2 (it was called wrongly). */
  code: number;
}

/**
 * Runs argv against the commands; `top` prints the overview (`pinbox`, `pinbox --help`).
 * @example process.exitCode = (await runCli(COMMANDS, process.argv.slice(2), overview)).code;
 */
export async function runCli(commands: readonly CliCommand[], argv: string[], top: () => string): Promise<CliRun> {
  const out = process.stdout;
  const flagsEnd = argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--');
  const wantsHelp = argv.slice(0, flagsEnd).some((arg) => arg === '--help' || arg === '-h');
  const command = findCommand(commands, argv);
  if (!command) {
    const words = argv.slice(0, flagsEnd).filter((arg) => !arg.startsWith('-'));
    const group = words.length > 0 && commands.some((c) => c.words[0] === words[0]) ? [words[0]] : [];
    if (group.length > 0) {
      if (wantsHelp) {
        out.write(groupHelp(commands, group));
        return { code: 0 };
      }
      if (words.length === 1) {
        process.stderr.write(`pinbox ${group[0]}: needs a command\n\n${groupHelp(commands, group)}`);
        return { code: 2 };
      }
      process.stderr.write(`pinbox: unknown command '${words.join(' ')}'\n\n${groupHelp(commands, group)}`);
      return { code: 2 };
    }
    if (argv.length === 0 || wantsHelp || argv[0] === 'help') {
      out.write(top());
      return { code: 0 };
    }
    process.stderr.write(`pinbox: unknown command '${argv[0]}' (pinbox --help lists the commands)\n`);
    return { code: 2 };
  }
  if (wantsHelp) {
    out.write(commandHelp(command));
    return { code: 0 };
  }
  const rest = argv.slice(command.words.length);
  const end = rest.indexOf('--') < 0 ? rest.length : rest.indexOf('--');
  const json = rest.slice(0, end).includes('--json');
  const args = [...rest.slice(0, end).filter((arg) => arg !== '--json'), ...rest.slice(end)];
  try {
    await command.run({ args, json, out });
    return { code: typeof process.exitCode === 'number' ? process.exitCode : 0 };
  } catch (error) {
    const name = `pinbox ${command.words.join(' ')}`;
    if (error instanceof UsageError) {
      process.stderr.write(`${name}: ${error.message}\nusage: pinbox ${command.synopsis}\n(${name} --help for more)\n`);
      return { code: 2 };
    }
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return { code: 1 };
  }
}
