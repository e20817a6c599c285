// `esc …` (admin): external service consumers, callers that are not people.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';

export const escCommands: SshCommand[] = [
  {
    name: 'esc list',
    summary: 'external service consumers (admin)',
    usage: '[--json]',
    async run({ args, services, out, subject }) {
      const { values } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'esc list [--json]' });
      const list = services.access.listEscs(subject);
      if (values.json) return out(`${JSON.stringify(list.map((name) => ({ name })), null, 2)}\n`);
      out(list.length ? `${list.join('\n')}\n` : 'no external service consumers\n');
    },
  },
  {
    name: 'esc create',
    summary: 'create an external service consumer; it may call nothing until granted (admin)',
    usage: 'NAME',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 1, usage: 'esc create NAME' });
      services.access.createEsc(subject, positionals[0]!);
      out(`created esc ${positionals[0]}; grant it with \`grant esc:${positionals[0]} JOB call_job\`\n`);
    },
  },
  {
    name: 'esc token',
    summary: "create a token for an external service consumer, printed once on the last line (admin)",
    usage: 'NAME [--json]',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } }, { min: 1, max: 1, usage: 'esc token NAME [--json]' });
      const t = services.access.escToken(subject, positionals[0]!);
      if (values.json) return out(`${JSON.stringify({ id: t.id, name: t.name, token: t.token })}\n`);
      out(`created token ${t.id} for esc ${positionals[0]}; it is shown only now:\n${t.token}\n`);
    },
  },
];
