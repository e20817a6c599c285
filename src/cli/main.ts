// Entry of the `racetrack` binary: `serve` runs the server; the other commands are its client.
import { Command } from 'commander';
import { chalkStderr } from 'chalk';
import { RtError } from '../core/errors.js';
import { registerConfigCommands } from './config-commands.js';
import { registerDeploy } from './deploy-command.js';
import { registerJobCommands } from './job-commands.js';
import { registerPluginCommands } from './plugin-commands.js';
import { registerServe } from './serve-command.js';
import { registerValidate } from './validate-command.js';
import { registerVersion } from './version-command.js';

const program = new Command('racetrack')
  .description('Racetrack: git push turns a job into a running, versioned, routed service')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 1 ? 2 : err.exitCode));
registerServe(program);
registerConfigCommands(program);
registerDeploy(program);
registerJobCommands(program);
registerValidate(program);
registerVersion(program);
registerPluginCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof RtError) {
    console.error(`${chalkStderr.red('error:')} ${e.message}`);
    for (const d of e.details) console.error(d);
    process.exit(e.exitCode);
  }
  throw e;
}
