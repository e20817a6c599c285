// `audit` (admin): the append-only trail of who did what.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatTable } from '../../core/format-table.js';
import { parseJobName } from '../../manifest/index.js';
import { UsageError } from '../../core/errors.js';

export const auditCommands: SshCommand[] = [
  {
    name: 'audit',
    summary: 'who did what, newest first; the last 100 events unless --limit (admin)',
    usage: '[--job NAME] [--limit N] [--json]',
    async run({ args, services, out, subject }) {
      const usage = 'audit [--job NAME] [--limit N] [--json]';
      const { values } = parseFlags(args, { job: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, { min: 0, max: 0, usage });
      const limit = values.limit === undefined ? 100 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError(`--limit: "${values.limit}" is not a whole number from 1 to 100000`, [`usage: ${usage}`]);
      services.auth.requireAdmin(subject);
      const events = services.audit.list({ job: values.job ? parseJobName(values.job) : undefined, limit })
        .map((e) => ({ at: new Date(e.at).toISOString(), actor: e.actor, action: e.action, job: e.jobName, detail: e.detail, ok: e.ok }));
      if (values.json) return out(`${JSON.stringify(events, null, 2)}\n`);
      out(formatTable(['AT', 'ACTOR', 'ACTION', 'JOB', 'OK', 'DETAIL'], events.map((e) => [e.at, e.actor, e.action, e.job ?? '', e.ok ? 'yes' : 'NO', e.detail])));
    },
  },
];
