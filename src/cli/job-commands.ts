// `list`, `logs`, `build-logs`, `delete`, `move`, `scale`, `call`: the jobs of the current remote, through the lifecycle API and pub.
import { Command, InvalidArgumentError } from 'commander';
import chalk from 'chalk';
import { formatAge, formatTable } from '../core/format-table.js';
import type { JobView } from '../jobs/index.js';
import { ApiClient } from './api-client.js';

export function registerJobCommands(program: Command): void {
  jobCommand(program, 'list', 'every job version on the remote')
    .action(async (opts: { remote?: string }) => {
      const jobs = await client(opts).api<JobView[]>('GET', '/job');
      if (!jobs.length) return console.log('no jobs yet: racetrack deploy one');
      const table = formatTable(['NAME', 'VERSION', 'STATUS', 'TYPE', 'INFRA', 'AGE', 'URL'],
        jobs.map((j) => [j.name, j.version, j.status, j.jobtype, j.target, formatAge(Date.parse(j.created_at)), j.url]));
      const [header, ...rows] = table.trimEnd().split('\n');
      console.log([chalk.bold(header), ...rows].join('\n'));
    });

  jobCommand(program, 'logs', 'runtime logs of a job version')
    .argument('<name>')
    .option('--version <version>', 'an exact version, latest or a pattern such as 1.x', 'latest')
    .option('--tail <n>', 'how many lines from the end', wholeNumber, 100)
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .action(async (name: string, opts: { remote?: string; version: string; tail: number; follow?: boolean }) => {
      const path = `${jobPath(name, opts.version)}/logs?tail=${opts.tail}`;
      if (!opts.follow) return void process.stdout.write((await client(opts).api<{ logs: string }>('GET', path)).logs);
      const decoder = new TextDecoder();
      for await (const chunk of await client(opts).stream(`${path}&follow=true`)) process.stdout.write(decoder.decode(chunk, { stream: true }));
    });

  jobCommand(program, 'build-logs', 'the build log of a job version')
    .argument('<name>')
    .option('--version <version>', 'an exact version, latest or a pattern such as 1.x', 'latest')
    .action(async (name: string, opts: { remote?: string; version: string }) => {
      process.stdout.write((await client(opts).api<{ logs: string }>('GET', `${jobPath(name, opts.version)}/build-logs`)).logs);
    });

  jobCommand(program, 'delete', 'stop and remove a job version')
    .argument('<name>')
    .requiredOption('--version <version>', 'the exact version to delete')
    .action(async (name: string, opts: { remote?: string; version: string }) => {
      await client(opts).api('DELETE', jobPath(name, opts.version));
      console.log(`deleted ${name} ${opts.version}`);
    });

  jobCommand(program, 'scale', 'change the replicas of a job version, without a rebuild')
    .argument('<name>')
    .requiredOption('--version <version>', 'the exact version to scale')
    .requiredOption('--replicas <n>', 'how many replicas', wholeNumber)
    .action(async (name: string, opts: { remote?: string; version: string; replicas: number }) => {
      const view = await client(opts).api<JobView>('POST', `${jobPath(name, opts.version)}/scale`, { replicas: opts.replicas });
      console.log(`${view.name} ${view.version}: ${view.replicas} replica(s), ${view.status}`);
    });

  jobCommand(program, 'move', 'redeploy a job version on another infrastructure target, then remove the old one')
    .argument('<name>')
    .requiredOption('--version <version>', 'the exact version to move')
    .requiredOption('--infra <target>', 'the infrastructure target, e.g. docker')
    .action(async (name: string, opts: { remote?: string; version: string; infra: string }) => {
      const moved = await client(opts).api<{ log: string }>('POST', `${jobPath(name, opts.version)}/move`, { infra: opts.infra });
      process.stdout.write(moved.log);
      console.log(`moved ${name} ${opts.version} to ${opts.infra}`);
    });

  jobCommand(program, 'call', 'POST a JSON payload to a job endpoint and print the JSON answer')
    .argument('<name>')
    .argument('<endpoint>', 'e.g. /api/v1/perform')
    .argument('<payload>', 'JSON, e.g. \'{"numbers": [40, 2]}\'', json)
    .option('--version <version>', 'an exact version, latest or a pattern such as 1.x', 'latest')
    .action(async (name: string, endpoint: string, payload: unknown, opts: { remote?: string; version: string }) => {
      console.log(JSON.stringify(await client(opts).call(name, opts.version, endpoint, payload), null, 2));
    });
}

function jobCommand(program: Command, name: string, description: string): Command {
  return program.command(name).description(description).option('--remote <url>', 'the server, a URL or an alias (default: the current remote)');
}

function client(opts: { remote?: string }): ApiClient {
  const c = ApiClient.fromConfig(opts.remote);
  c.requireToken();
  return c;
}

function jobPath(name: string, version: string): string {
  return `/job/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
}

function wholeNumber(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new InvalidArgumentError('expected a whole number');
  return Number(raw);
}

function json(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new InvalidArgumentError('expected JSON');
  }
}
