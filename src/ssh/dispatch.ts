// Finds the ssh command named by argv (longest name first), runs it, maps errors to stderr and exit codes.
// Everything it prints passes escapeControlChars: names, logs and messages come from users and jobs.
import { RtError, UsageError } from '../core/errors.js';
import { escapeControlChars } from '../core/escape-control-chars.js';
import { logger } from '../core/log.js';
import type { CommandContext, SshCommand } from './types.js';
import { auditCommands } from './commands/audit.js';
import { deploysCommands } from './commands/deploys.js';
import { escCommands } from './commands/esc.js';
import { grantsCommands } from './commands/grants.js';
import { jobsCommands } from './commands/jobs.js';
import { keysCommands } from './commands/keys.js';
import { passwdCommands } from './commands/passwd.js';
import { pluginsCommands } from './commands/plugins.js';
import { secretsCommands } from './commands/secrets.js';
import { tokensCommands } from './commands/tokens.js';
import { usersCommands } from './commands/users.js';
import { whoamiCommands } from './commands/whoami.js';

const log = logger('rt:ssh');

export const COMMANDS: SshCommand[] = [
  ...whoamiCommands, ...jobsCommands, ...deploysCommands, ...secretsCommands, ...keysCommands,
  ...tokensCommands, ...usersCommands, ...escCommands, ...grantsCommands, ...auditCommands,
  ...pluginsCommands, ...passwdCommands,
];

const HELP_WIDTH = 44;

function helpLine(usage: string, summary: string): string {
  return usage.length <= HELP_WIDTH ? `  ${usage.padEnd(HELP_WIDTH)}  ${summary}` : `  ${usage}\n  ${''.padEnd(HELP_WIDTH)}  ${summary}`;
}

export function helpText(): string {
  return [
    'usage: ssh rt COMMAND [ARGS]   (COMMAND --help for more)',
    '',
    ...COMMANDS.map((c) => helpLine(`${c.name} ${c.usage}`, c.summary)),
    helpLine('help', 'this list'),
    '',
    'git push ssh://git@HOST:PORT/NAME main deploys a job; see README.',
    '',
  ].join('\n');
}

/** The commands of a group (`jobs` → jobs list, jobs info, …); empty when `word` names no group. */
export function groupCommands(word: string): SshCommand[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${word} `));
}

function groupHelpText(group: string): string {
  return [
    `usage: ssh rt ${group} COMMAND [ARGS]   (${group} COMMAND --help for more)`,
    '',
    ...groupCommands(group).map((c) => helpLine(`${c.name} ${c.usage}`, c.summary)),
    '',
  ].join('\n');
}

export function findCommand(argv: string[]): { command: SshCommand; args: string[] } | undefined {
  const byLength = [...COMMANDS].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of byLength) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command, args: argv.slice(words.length) };
  }
  return undefined;
}

const isHelpFlag = (arg: string | undefined) => arg === '--help' || arg === '-h';

/** Runs argv as an ssh command; returns the exit code: 0 success, 1 failed command, 2 usage error or unknown command. */
export async function dispatch(argv: string[], raw: Omit<CommandContext, 'args'>): Promise<number> {
  const ctx = { ...raw, out: (t: string) => raw.out(escapeControlChars(t)), err: (t: string) => raw.err(escapeControlChars(t)) };
  if (argv.length === 0 || argv[0] === 'help' || isHelpFlag(argv[0])) {
    ctx.out(helpText());
    return 0;
  }
  const found = findCommand(argv);
  try {
    if (!found) {
      const group = groupCommands(argv[0]!).length ? argv[0]! : undefined;
      // a group alone or with --help describes its commands
      if (group && (argv.length === 1 || (argv.length === 2 && isHelpFlag(argv[1])))) {
        ctx.out(groupHelpText(group));
        return 0;
      }
      throw new UsageError(`unknown command "${argv.join(' ')}"`, [group ? `run \`ssh rt ${group}\` for its commands` : 'run `ssh rt help` for the list of commands']);
    }
    if (found.args.some(isHelpFlag)) {
      ctx.out(`usage: ${found.command.name} ${found.command.usage}\n\n${found.command.help ?? found.command.summary}\n`);
      return 0;
    }
    return (await found.command.run({ ...ctx, args: found.args })) ?? 0;
  } catch (e) {
    if (e instanceof RtError) {
      ctx.err(`error: ${e.message}\n${e.details.map((d) => `${d}\n`).join('')}`);
      return e.exitCode;
    }
    log.error({ err: e, command: argv[0] }, 'ssh command failed');
    ctx.err(`error: internal error: ${(e as Error).message}\n`);
    return 1;
  }
}
