// `jobs …`: what is deployed, in what state, where; logs; delete, redeploy, move.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatAge, formatTable } from '../../core/format-table.js';
import { UsageError } from '../../core/errors.js';
import { parseJobName } from '../../manifest/index.js';
import { Reporter } from '../../build/index.js';
import { parseIdleSetting, type JobView } from '../../jobs/index.js';
import { formatDuration } from '../../core/parse-duration.js';

export const jobsCommands: SshCommand[] = [
  {
    name: 'jobs list',
    summary: 'list jobs: the newest version of each, or every version with --all',
    usage: '[--all] [--json]',
    async run({ args, services, out, subject }) {
      const { values } = parseFlags(args, { all: { type: 'boolean' }, json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'jobs list [--all] [--json]' });
      const versions = services.jobs.list({ all: values.all, readableBy: subject });
      const views = versions.map((v) => services.jobs.view(v));
      // with --all, what runs on a target but is recorded nowhere is shown too (admins only: it has no owner)
      const orphans = values.all && services.auth.can(subject, 'full_access', '*') ? await services.jobs.orphans() : [];
      if (values.json) {
        const orphanViews = orphans.map((o) => ({ name: o.name, version: o.version, status: 'orphaned', target: o.target, deployment_id: o.deploymentId }));
        return out(`${JSON.stringify([...views, ...orphanViews], null, 2)}\n`);
      }
      if (!views.length && !orphans.length) return out('no jobs yet: git push one (see README)\n');
      out(formatTable(['NAME', 'VERSION', 'STATUS', 'TYPE', 'INFRA', 'AGE', 'URL'], [
        ...views.map((v, i) => [v.name, v.version, v.status, v.jobtype, v.target, formatAge(versions[i]!.createdAt), v.url]),
        ...orphans.map((o) => [o.name, o.version, 'orphaned', '-', o.target, '-', '-']),
      ]));
    },
  },
  {
    name: 'jobs info',
    summary: 'show one job version: manifest, status, commit, deployer, URLs, replicas, resources, last call',
    usage: 'NAME [VERSION] [--json]',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } }, { min: 1, max: 2, usage: 'jobs info NAME [VERSION] [--json]' });
      const view = services.jobs.view(services.jobs.read(subject, parseJobName(positionals[0]!), positionals[1]));
      if (values.json) return out(`${JSON.stringify(view, null, 2)}\n`);
      const rows: [string, string][] = [
        ['name', view.name], ['version', `${view.version}${view.latest ? ' (latest)' : ''}`], ['status', view.status],
        ['jobtype', view.jobtype], ['infra', view.target], ['commit', view.commit], ['deployed by', view.deployed_by],
        ['deployed at', view.created_at], ['deployment', view.deployment_id], ['url', view.url], ['replicas', String(view.replicas)],
        ['upstreams', view.upstreams.join(', ')], ['resources', Object.entries(view.resources).map(([k, x]) => `${k}=${x}`).join(' ') || 'none'],
        ['last call', view.last_call_at ?? 'never'],
        ['idle stop', view.idle_stop_after_ms ? `after ${formatDuration(view.idle_stop_after_ms)} without calls` : 'never'],
        ['pinned', view.pinned ? 'yes' : 'no'],
      ];
      if (view.rolled_back) rows.push(['rolled back', view.rolled_back]);
      for (const [k, x] of rows) out(`${k.padEnd(12)} ${x}\n`);
      out(`\nmanifest:\n${JSON.stringify(view.manifest, null, 2)}\n`);
      if (view.error) out(`\nerror:\n${view.error}\n`);
    },
  },
  {
    name: 'jobs logs',
    summary: 'runtime logs of a job version (latest when omitted); --follow streams until you hang up',
    usage: 'NAME [VERSION] [--tail N] [--follow]',
    async run({ args, services, out, subject, signal }) {
      const { values, positionals } = parseFlags(args, { tail: { type: 'string' }, follow: { type: 'boolean', short: 'f' } },
        { min: 1, max: 2, usage: 'jobs logs NAME [VERSION] [--tail N] [--follow]' });
      const tail = values.tail === undefined ? 100 : Number(values.tail);
      if (!Number.isInteger(tail) || tail < 0) throw new UsageError(`--tail: "${values.tail}" is not a whole number`);
      for await (const line of services.jobs.logs(subject, parseJobName(positionals[0]!), positionals[1], { tail, follow: values.follow, signal })) {
        out(`${line}\n`);
      }
    },
  },
  {
    name: 'jobs build-logs',
    summary: 'the build log of a job version (latest when omitted)',
    usage: 'NAME [VERSION]',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 2, usage: 'jobs build-logs NAME [VERSION]' });
      out(services.deploys.buildLog(subject, parseJobName(positionals[0]!), positionals[1]));
    },
  },
  {
    name: 'jobs delete',
    summary: 'stop and remove a job version, or every version with --all; its routes go at once',
    usage: 'NAME VERSION | NAME --all',
    help: 'stop and remove a job version, or every version with --all; its routes go at once.\nDeleting the last version ends the job family: its token stops working and its grants and secrets are\nremoved, so whoever creates a job of that name later starts from nothing. Needs deploy_job or delete_job.',
    async run({ args, services, out, subject }) {
      const usage = 'jobs delete NAME VERSION | jobs delete NAME --all';
      const { values, positionals } = parseFlags(args, { all: { type: 'boolean' } }, { min: 1, max: 2, usage });
      const name = parseJobName(positionals[0]!);
      if (Boolean(values.all) === (positionals.length === 2)) throw new UsageError('give either a VERSION or --all', [`usage: ${usage}`]);
      if (values.all) {
        const n = await services.jobs.deleteAll(subject, name);
        return out(`deleted ${n} version${n === 1 ? '' : 's'} of ${name}\n`);
      }
      await services.jobs.delete(subject, name, positionals[1]!);
      out(`deleted ${name} ${positionals[1]}\n`);
    },
  },
  {
    name: 'jobs redeploy',
    summary: 'rebuild and restart a job version from its stored commit (applies new secrets)',
    usage: 'NAME VERSION',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 2, max: 2, usage: 'jobs redeploy NAME VERSION' });
      await services.deploys.redeploy(subject, parseJobName(positionals[0]!), positionals[1]!, new Reporter(out));
    },
  },
  {
    name: 'jobs move',
    summary: 'redeploy a job version on another infrastructure target, then remove the old one',
    usage: 'NAME VERSION --infra TARGET',
    async run({ args, services, out, subject }) {
      const usage = 'jobs move NAME VERSION --infra TARGET';
      const { values, positionals } = parseFlags(args, { infra: { type: 'string' } }, { min: 2, max: 2, usage });
      if (!values.infra) throw new UsageError('--infra TARGET is required', [`usage: ${usage}`]);
      await services.deploys.redeploy(subject, parseJobName(positionals[0]!), positionals[1]!, new Reporter(out), values.infra);
    },
  },
  {
    name: 'jobs scale',
    summary: 'change the replicas of a job version now, without a rebuild',
    usage: 'NAME VERSION --replicas N [--json]',
    help: 'change how many replicas of NAME VERSION run, without a rebuild: new ones join the route once ready, removed\nones leave it before they stop. An idle version starts with N replicas at its next call. The next deploy of\nthe version follows its job.yaml again. Needs deploy_job.',
    async run({ args, services, out, subject }) {
      const usage = 'jobs scale NAME VERSION --replicas N';
      const { values, positionals } = parseFlags(args, { replicas: { type: 'string' }, json: { type: 'boolean' } }, { min: 2, max: 2, usage });
      if (values.replicas === undefined) throw new UsageError('--replicas N is required', [`usage: ${usage}`]);
      if (!/^\d+$/.test(values.replicas)) throw new UsageError(`--replicas: "${values.replicas}" is not a whole number`, [`usage: ${usage}`]);
      const v = await services.jobs.scale(subject, parseJobName(positionals[0]!), positionals[1]!, Number(values.replicas));
      printChange(out, services.jobs.view(v), values.json, `${v.name} ${v.version}: ${services.jobs.view(v).replicas} replica(s), ${v.status}`);
    },
  },
  {
    name: 'jobs idle',
    summary: 'stop a job version after a time without calls (the next call starts it), or never (off)',
    usage: 'NAME VERSION DURATION|off|default [--json]',
    help: 'after DURATION (e.g. 90s, 15m, 2h) without calls NAME VERSION is stopped, with status idle; the next call\nstarts it again and is answered once it is ready. `off`: never; `default`: follow RACETRACK_IDLE_STOP_AFTER.\nNeeds deploy_job.',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } }, { min: 3, max: 3, usage: 'jobs idle NAME VERSION DURATION|off|default' });
      const after = parseIdleSetting(positionals[2]!, 'DURATION');
      const v = await services.jobs.setIdle(subject, parseJobName(positionals[0]!), positionals[1]!, after);
      const view = services.jobs.view(v);
      printChange(out, view, values.json, `${v.name} ${v.version}: ${view.idle_stop_after_ms ? `stops after ${formatDuration(view.idle_stop_after_ms)} without calls` : 'never idles'}`);
    },
  },
  {
    name: 'jobs pin',
    summary: 'keep a job version running whatever RACETRACK_KEEP_VERSIONS says (--off: no longer)',
    usage: 'NAME VERSION [--off] [--json]',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { off: { type: 'boolean' }, json: { type: 'boolean' } }, { min: 2, max: 2, usage: 'jobs pin NAME VERSION [--off]' });
      const v = await services.jobs.pin(subject, parseJobName(positionals[0]!), positionals[1]!, !values.off);
      printChange(out, services.jobs.view(v), values.json, `${v.name} ${v.version}: ${v.pinned ? 'pinned' : 'not pinned'}`);
    },
  },
  {
    name: 'jobs token-rotate',
    summary: "replace a job family's token: its serving versions are redeployed with the new one, then the old one is revoked",
    usage: 'NAME',
    help: "replace the family token jobs get as AUTH_TOKEN (after a leak, say). Every running version of NAME is\nredeployed from its commit with the new token, then the old token is revoked, even if a redeploy failed:\nsuch a version keeps serving, but its calls to other jobs are refused until `jobs redeploy` succeeds.\nNeeds deploy_job on NAME. The token itself is never shown.",
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 1, usage: 'jobs token-rotate NAME' });
      await services.deploys.rotateToken(subject, parseJobName(positionals[0]!), new Reporter(out));
    },
  },
];

function printChange(out: (text: string) => void, view: JobView, json: boolean | undefined, line: string): void {
  out(json ? `${JSON.stringify(view, null, 2)}\n` : `${line}\n`);
}
