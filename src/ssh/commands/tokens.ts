// `tokens …`: your API tokens; a token's value is shown once, at creation.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatTable } from '../../core/format-table.js';
import { parseId } from '../parse-id.js';

export const tokensCommands: SshCommand[] = [
  {
    name: 'tokens list',
    summary: 'your API tokens (ids and names, never values)',
    usage: '[--json]',
    async run({ args, services, out, subject }) {
      const { values } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'tokens list [--json]' });
      const list = services.access.tokensOf(subject).map((t) => ({ id: t.id, name: t.name, created_at: new Date(t.createdAt).toISOString() }));
      if (values.json) return out(`${JSON.stringify(list, null, 2)}\n`);
      out(formatTable(['ID', 'NAME', 'CREATED'], list.map((t) => [t.id, t.name, t.created_at])));
    },
  },
  {
    name: 'tokens create',
    summary: 'create an API token; it is printed once, alone on the last line',
    usage: '[NAME] [--json]',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 1, usage: 'tokens create [NAME] [--json]' });
      const t = services.access.createToken(subject, positionals[0]);
      if (values.json) return out(`${JSON.stringify({ id: t.id, name: t.name, token: t.token })}\n`);
      out(`created token ${t.id} (${t.name}); it is shown only now:\n${t.token}\n`);
    },
  },
  {
    name: 'tokens revoke',
    summary: 'revoke one of your API tokens; it stops working at once',
    usage: 'ID',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 1, usage: 'tokens revoke ID' });
      services.access.revokeToken(subject, parseId(positionals[0]!));
      out(`revoked token ${positionals[0]}\n`);
    },
  },
];
