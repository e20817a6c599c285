// `deploys …`: deployment history and the replay of a deploy's log.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatAge, formatTable } from '../../core/format-table.js';
import { parseJobName } from '../../manifest/index.js';
import { deploymentView } from '../../build/index.js';

export const deploysCommands: SshCommand[] = [
  {
    name: 'deploys list',
    summary: 'deployments (of one job, or all) with status, phase, duration and error',
    usage: '[NAME] [--json]',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 1, usage: 'deploys list [NAME] [--json]' });
      const list = services.deploys.list(subject, positionals[0] ? parseJobName(positionals[0]) : undefined).map(deploymentView);
      if (values.json) return out(`${JSON.stringify(list, null, 2)}\n`);
      if (!list.length) return out('no deployments\n');
      out(formatTable(['ID', 'JOB', 'VERSION', 'STATUS', 'PHASE', 'TARGET', 'BY', 'AGE', 'DURATION', 'ERROR'],
        list.map((d) => [d.id, d.job_name, d.version ?? '-', d.status, d.phase, d.target ?? '-', d.deployed_by,
          formatAge(Date.parse(d.started_at)), d.duration_ms === null ? '-' : `${(d.duration_ms / 1000).toFixed(1)}s`, d.error ?? ''])));
    },
  },
  {
    name: 'deploys show',
    summary: 'one deployment and its full log, as the push showed it',
    usage: 'ID [--json]',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } }, { min: 1, max: 1, usage: 'deploys show ID [--json]' });
      const { deployment, log } = services.deploys.show(subject, positionals[0]!);
      const view = deploymentView(deployment);
      if (values.json) return out(`${JSON.stringify({ ...view, log }, null, 2)}\n`);
      const source = view.source ? `\nfrom ${view.source.remote} ${view.source.branch} at ${view.source.commit}` : '';
      out(`deployment ${view.id}: ${view.job_name} ${view.version ?? ''} ${view.status}${view.error ? ` (${view.error})` : ''}${source}\n\n${log}`);
    },
  },
];
