// `login`, `logout`, `set …`, `get …`: the client's remotes and tokens in ~/.racetrack/config.yaml.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { RtError } from '../core/errors.js';
import { ApiClient } from './api-client.js';
import { configPath, loadClientConfig, maskedConfig, normalizeRemote, resolveRemote, saveClientConfig } from './client-config.js';

export function registerConfigCommands(program: Command): void {
  program.command('login')
    .description('store your token for a remote (checked against the server first)')
    .argument('<token>', 'your API token (`ssh rt tokens create`, or POST /users/login)')
    .option('--remote <url>', 'the server, a URL or an alias (default: the current remote)')
    .action(async (token: string, opts: { remote?: string }) => {
      const config = loadClientConfig();
      const remote = resolveRemote(config, opts.remote);
      await new ApiClient(remote, token).api('GET', '/job').catch((e: RtError) => {
        throw e.httpStatus === 401 ? new RtError(`login to ${remote} failed: ${e.message}`) : e;
      });
      config.user_auths[remote] = token;
      // the first login also chooses the remote later commands talk to
      config.lifecycle_url ??= opts.remote;
      saveClientConfig(config);
      console.log(`logged in to ${remote}`);
    });

  program.command('logout')
    .description('forget your token for a remote')
    .option('--remote <url>', 'the server, a URL or an alias (default: the current remote)')
    .action((opts: { remote?: string }) => {
      const config = loadClientConfig();
      const remote = resolveRemote(config, opts.remote);
      delete config.user_auths[remote];
      saveClientConfig(config);
      console.log(`logged out of ${remote}`);
    });

  const set = program.command('set').description('change the client config');
  set.command('remote')
    .description('choose the server later commands talk to')
    .argument('<url-or-alias>', 'e.g. http://127.0.0.1:7002 (a trailing /lifecycle is dropped), or an alias')
    .action((target: string) => {
      const config = loadClientConfig();
      config.lifecycle_url = target in config.lifecycle_url_aliases ? target : normalizeRemote(target);
      saveClientConfig(config);
      console.log(`current remote: ${resolveRemote(config)}`);
    });
  set.command('alias')
    .description('name a remote, for --remote NAME and `set remote NAME`')
    .argument('<name>')
    .argument('<url>')
    .action((name: string, url: string) => {
      const config = loadClientConfig();
      config.lifecycle_url_aliases[name] = normalizeRemote(url);
      saveClientConfig(config);
      console.log(`alias ${name} → ${config.lifecycle_url_aliases[name]}`);
    });
  set.command('credentials')
    .description('store git credentials for a repository URL (kept for Racetrack compatibility)')
    .argument('<repo-url>')
    .argument('<username>')
    .argument('<token>')
    .action((repoUrl: string, username: string, token: string) => {
      const config = loadClientConfig();
      config.git_credentials[repoUrl] = { username, password: token };
      saveClientConfig(config);
      console.log(`credentials for ${repoUrl} stored`);
    });

  const get = program.command('get').description('show the client config');
  get.command('config')
    .description('the whole client config, tokens masked')
    .action(() => {
      process.stdout.write(`# ${configPath()}\n${stringify(maskedConfig(loadClientConfig()))}`);
    });
  get.command('remote')
    .description('the server commands talk to')
    .action(() => {
      console.log(resolveRemote(loadClientConfig()));
    });
  get.command('pub')
    .description('the base URL of the jobs on the current remote (where /pub/job/NAME/VERSION/… is)')
    .option('--remote <url>', 'the server, a URL or an alias (default: the current remote)')
    .action((opts: { remote?: string }) => {
      console.log(`${resolveRemote(loadClientConfig(), opts.remote)}/pub`);
    });
  get.command('auth-token')
    .description('your stored token for the current remote, e.g. for curl -H "X-Racetrack-Auth: $(racetrack get auth-token)"')
    .option('--remote <url>', 'the server, a URL or an alias (default: the current remote)')
    .action((opts: { remote?: string }) => {
      console.log(ApiClient.fromConfig(opts.remote).requireToken());
    });
}
