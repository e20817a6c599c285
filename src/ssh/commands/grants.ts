// `grant`, `revoke`, `grants list` (admin): who may do what on which job.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatTable } from '../../core/format-table.js';
import { SCOPES } from '../../auth/index.js';

const SUBJECT_HELP = `SUBJECT is user:EMAIL, esc:NAME or job:NAME; NAME is a job or *; SCOPE is one of ${SCOPES.join(', ')}`;

export const grantsCommands: SshCommand[] = [
  {
    name: 'grant',
    summary: 'give SUBJECT a scope on a job or on * (admin)',
    usage: 'SUBJECT NAME SCOPE',
    help: SUBJECT_HELP,
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 3, max: 3, usage: 'grant SUBJECT NAME SCOPE' });
      const [s, job, scope] = positionals as [string, string, string];
      services.access.grant(subject, s, job, scope);
      out(`granted ${scope} on ${job} to ${s}\n`);
    },
  },
  {
    name: 'revoke',
    summary: 'take a scope back (admin)',
    usage: 'SUBJECT NAME SCOPE',
    help: SUBJECT_HELP,
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 3, max: 3, usage: 'revoke SUBJECT NAME SCOPE' });
      const [s, job, scope] = positionals as [string, string, string];
      services.access.revoke(subject, s, job, scope);
      out(`revoked ${scope} on ${job} from ${s}\n`);
    },
  },
  {
    name: 'grants list',
    summary: 'every grant (admin)',
    usage: '[--json]',
    async run({ args, services, out, subject }) {
      const { values } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'grants list [--json]' });
      const list = services.access.grants(subject).map((g) => ({ subject: g.subject, job: g.jobName, scope: g.scope }));
      if (values.json) return out(`${JSON.stringify(list, null, 2)}\n`);
      out(formatTable(['SUBJECT', 'JOB', 'SCOPE'], list.map((g) => [g.subject, g.job, g.scope])));
    },
  },
];
