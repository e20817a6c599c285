// `racetrack serve`: the whole platform in one process, until SIGTERM/SIGINT.
import type { Command } from 'commander';
import { loadSettings, settingEnvName, SETTING_FLAGS, type SettingName } from '../config/index.js';
import { startServer } from '../server/start-server.js';

export function registerServe(program: Command): void {
  const serve = program.command('serve').description('run the Racetrack server (git remote, gateway, API)');
  for (const [flag, name] of Object.entries(SETTING_FLAGS)) serve.option(`--${flag} <value>`, `overrides ${settingEnvName(name)}`);
  serve.action(async (opts: Record<string, string>) => {
    const flags: Partial<Record<SettingName, string>> = {};
    for (const [flag, name] of Object.entries(SETTING_FLAGS)) {
      const v = opts[camel(flag)];
      if (v !== undefined) flags[name] = v;
    }
    const server = await startServer(loadSettings(flags));
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

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
