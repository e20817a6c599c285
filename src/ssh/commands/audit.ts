// `audit` (admin): the append-only trail of who did what.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatTable } from '../../core/format-table.js';
import { parseJobName } from '../../manifest/index.js';

export const auditCommands: SshCommand[] = [
  {
    name: 'audit',
    summary: 'who did what, newest first (admin)',
    usage: '[--job NAME] [--json]',
    async run({ args, services, out, subject }) {
      const { values } = parseFlags(args, { job: { type: 'string' }, json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'audit [--job NAME] [--json]' });
      const events = services.audit.list(services.auth, subject, { job: values.job ? parseJobName(values.job) : undefined })
        .map((e) => ({ at: new Date(e.at).toISOString(), actor: e.actor, action: e.action, job: e.jobName, detail: e.detail, ok: e.ok }));
      if (values.json) return out(`${JSON.stringify(events, null, 2)}\n`);
      out(formatTable(['AT', 'ACTOR', 'ACTION', 'JOB', 'OK', 'DETAIL'], events.map((e) => [e.at, e.actor, e.action, e.job ?? '', e.ok ? 'yes' : 'NO', e.detail])));
    },
  },
];
