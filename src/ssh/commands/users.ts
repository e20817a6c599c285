// `users …` (admin): who may use this Racetrack.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatTable } from '../../core/format-table.js';

export const usersCommands: SshCommand[] = [
  {
    name: 'users list',
    summary: 'every user (admin)',
    usage: '[--json]',
    async run({ args, services, out, subject }) {
      const { values } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'users list [--json]' });
      const list = services.access.listUsers(subject).map((u) => ({ id: u.id, email: u.email, active: u.isActive, admin: u.isAdmin, created_at: new Date(u.createdAt).toISOString() }));
      if (values.json) return out(`${JSON.stringify(list, null, 2)}\n`);
      out(formatTable(['ID', 'EMAIL', 'ACTIVE', 'ADMIN', 'CREATED'], list.map((u) => [u.id, u.email, u.active ? 'yes' : 'no', u.admin ? 'yes' : 'no', u.created_at])));
    },
  },
  {
    name: 'users add',
    summary: 'add a user (admin); they may read, call and deploy every job',
    usage: 'EMAIL [--admin] [--key "ssh-ed25519 AAAA…"] [--token]',
    help: 'add a user (admin). --key registers their ssh public key; --token creates an API token for them,\nprinted alone on the last line. New users may read, call and deploy every job.',
    async run({ args, services, out, subject }) {
      const { values, positionals } = parseFlags(args, { admin: { type: 'boolean' }, key: { type: 'string' }, token: { type: 'boolean' } },
        { min: 1, max: 1, usage: 'users add EMAIL [--admin] [--key "ssh-ed25519 AAAA…"] [--token]' });
      const u = await services.access.addUser(subject, positionals[0]!, { admin: values.admin ?? false, key: values.key });
      out(`added user ${u.email}${u.isAdmin ? ' (admin)' : ''}${values.key ? ' with their ssh key' : ''}\n`);
      if (values.token) {
        const t = services.access.createTokenFor(subject, u.email, 'created by an admin');
        out(`their API token, shown only now:\n${t.token}\n`);
      }
    },
  },
  {
    name: 'users activate',
    summary: 'let a user in (admin)',
    usage: 'EMAIL',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 1, usage: 'users activate EMAIL' });
      services.access.setActive(subject, positionals[0]!, true);
      out(`activated ${positionals[0]}\n`);
    },
  },
  {
    name: 'users deactivate',
    summary: 'shut a user out: their keys and tokens stop working (admin)',
    usage: 'EMAIL',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 1, usage: 'users deactivate EMAIL' });
      services.access.setActive(subject, positionals[0]!, false);
      out(`deactivated ${positionals[0]}\n`);
    },
  },
];
