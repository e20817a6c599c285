// Finds the ssh command named by argv (longest name first), runs it, maps errors to stderr and exit codes.
import { RtError, UsageError } from '../core/errors.js';
import { logger } from '../core/log.js';
import type { CommandContext, SshCommand } from './types.js';
import { auditCommands } from './commands/audit.js';
import { deploysCommands } from './commands/deploys.js';
import { escCommands } from './commands/esc.js';
import { grantsCommands } from './commands/grants.js';
import { jobsCommands } from './commands/jobs.js';
import { keysCommands } from './commands/keys.js';
import { secretsCommands } from './commands/secrets.js';
import { tokensCommands } from './commands/tokens.js';
import { usersCommands } from './commands/users.js';
import { whoamiCommands } from './commands/whoami.js';

const log = logger('rt:ssh');

export const COMMANDS: SshCommand[] = [
  ...whoamiCommands, ...jobsCommands, ...deploysCommands, ...secretsCommands, ...keysCommands,
  ...tokensCommands, ...usersCommands, ...escCommands, ...grantsCommands, ...auditCommands,
];

export function helpText(): string {
  const WIDTH = 44;
  const line = (usage: string, summary: string) =>
    usage.length <= WIDTH ? `  ${usage.padEnd(WIDTH)}  ${summary}` : `  ${usage}\n  ${''.padEnd(WIDTH)}  ${summary}`;
  return [
    'usage: ssh rt COMMAND [ARGS]   (COMMAND --help for more)',
    '',
    ...COMMANDS.map((c) => line(`${c.name} ${c.usage}`, c.summary)),
    line('help', 'this list'),
    '',
    'git push ssh://git@HOST:PORT/NAME main deploys a job; see README.',
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

/** Runs argv as an ssh command; returns the exit code. */
export async function dispatch(argv: string[], ctx: Omit<CommandContext, 'args'>): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
    ctx.out(helpText());
    return 0;
  }
  const found = findCommand(argv);
  try {
    if (!found) {
      throw new UsageError(`unknown command "${argv.join(' ')}"`, ['run `ssh rt help` for the list of commands']);
    }
    if (found.args.includes('--help') || found.args.includes('-h')) {
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
