// `racetrack serve`: the whole platform in one process, until SIGTERM/SIGINT.
import type { Command } from 'commander';
import { loadSettings, settingEnvName, SETTING_FLAGS, type SettingName } from '../config/index.js';
import { startServer } from '../server/start-server.js';
import { logger } from '../core/log.js';

export function registerServe(program: Command): void {
  const serve = program.command('serve').description('run the Racetrack server (git remote, gateway, API)');
  for (const [flag, name] of Object.entries(SETTING_FLAGS)) serve.option(`--${flag} <value>`, `overrides ${settingEnvName(name)}`);
  serve.action(async (opts: Record<string, string>) => {
    const flags: Partial<Record<SettingName, string>> = {};
    for (const [flag, name] of Object.entries(SETTING_FLAGS)) {
      const v = opts[camel(flag)];
      if (v !== undefined) flags[name] = v;
    }
    const settings = loadSettings(flags);
    // a server that cannot start exits, naming why: half started, it would hold ports and jobs while serving nothing
    const server = await startServer(settings).catch((err: Error) => {
      logger('rt:server').fatal({ err }, 'the server could not start');
      console.error(`racetrack: could not start: ${err.message}`);
      process.exit(1);
    });
    keepServingThroughBugs();
    const sshHost = new URL(server.httpUrl).hostname;
    console.log(`racetrack: http listening on ${server.httpUrl}`);
    console.log(`racetrack: ssh listening on ssh://${sshHost}:${server.sshPort}`);
    if (server.generatedAdminToken) {
      console.log(`racetrack: admin token (shown once, also in ${server.services.settings.dataDir}/admin-token): ${server.generatedAdminToken}`);
    }
    const shutdown = (signal: string) => {
      console.log(`racetrack: ${signal}, shutting down`);
      void server.stop().then(() => process.exit(0));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

/**
 * A stray error in one request's handling must not stop the server and every local job with it (CONTRACT §10):
 * it is logged as the bug it is, and the process goes on. Tests look for these lines.
 */
function keepServingThroughBugs(): void {
  const log = logger('rt:server');
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception (a bug): the server keeps running'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (a bug): the server keeps running'));
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
