// `racetrack version`: this client's version, and the current remote's when it answers.
import type { Command } from 'commander';
import { RACETRACK_VERSION } from '../core/version.js';
import { ApiClient } from './api-client.js';

export function registerVersion(program: Command): void {
  program.command('version')
    .description('the client\'s version and the server\'s')
    .option('--remote <url>', 'the server, a URL or an alias (default: the current remote)')
    .action(async (opts: { remote?: string }) => {
      console.log(`racetrack client ${RACETRACK_VERSION}`);
      const client = ApiClient.fromConfig(opts.remote);
      const server = await client.api<{ version: string }>('GET', '/info').then((i) => i.version, (e: Error) => `unreachable (${e.message})`);
      console.log(`server ${client.remote}: ${server}`);
    });
}
