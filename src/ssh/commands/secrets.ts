// `secrets …`: secret env per job; values go in and never come out.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatTable } from '../../core/format-table.js';
import { parseJobName } from '../../manifest/index.js';

export const secretsCommands: SshCommand[] = [
  {
    name: 'secrets set',
    summary: 'set secret env vars of a job (runtime, or build with --build); applied by the next deploy or jobs redeploy',
    usage: 'NAME KEY=VALUE... [--build]',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { build: { type: 'boolean' } }, { min: 2, max: 1000, usage: 'secrets set NAME KEY=VALUE... [--build]' });
      const name = parseJobName(positionals[0]!);
      const keys = services.secrets.set(subject, name, positionals.slice(1), values.build ?? false);
      services.audit.record(subject, 'secret.set', { job: name, detail: keys.join(' ') });
      out(`set ${keys.join(', ')} for ${name}${values.build ? ' (build)' : ''}; run \`jobs redeploy ${name} VERSION\` or push to apply\n`);
    },
  },
  {
    name: 'secrets list',
    summary: 'the secret names of a job (never their values)',
    usage: 'NAME [--json]',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } }, { min: 1, max: 1, usage: 'secrets list NAME [--json]' });
      const list = services.secrets.list(subject, parseJobName(positionals[0]!));
      if (values.json) return out(`${JSON.stringify(list, null, 2)}\n`);
      out(list.length ? formatTable(['KEY', 'KIND', 'UPDATED'], list.map((s) => [s.key, s.kind, s.updated_at])) : 'no secrets\n');
    },
  },
  {
    name: 'secrets unset',
    summary: 'remove a secret of a job',
    usage: 'NAME KEY',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 2, max: 2, usage: 'secrets unset NAME KEY' });
      const name = parseJobName(positionals[0]!);
      services.secrets.unset(subject, name, positionals[1]!);
      services.audit.record(subject, 'secret.unset', { job: name, detail: positionals[1] });
      out(`unset ${positionals[1]} of ${name}\n`);
    },
  },
];
