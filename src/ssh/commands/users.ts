// `users …` (admin): who may use this Racetrack.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatTable } from '../../core/format-table.js';
import type { User } from '../../db/index.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** When and from where an account registered itself, for the admin deciding to let it in. */
function registration(u: User): string {
  if (u.registeredAt === null) return 'not self-registered';
  const times = u.registerAttempts === 1 ? 'once' : `${u.registerAttempts} times (the latest registration counts)`;
  return `registered ${iso(u.registeredAt)} from ${u.registeredFrom ?? '?'}, ${times}`;
}

export const usersCommands: SshCommand[] = [
  {
    name: 'users list',
    summary: 'every user (admin)',
    usage: '[--json]',
    async run({ args, services, out, subject }) {
      const { values } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'users list [--json]' });
      const list = services.access.listUsers(subject).map((u) => ({
        id: u.id, email: u.email, active: u.isActive, admin: u.isAdmin, created_at: iso(u.createdAt)!,
        registered_at: iso(u.registeredAt), register_attempts: u.registerAttempts, registered_from: u.registeredFrom, activated_at: iso(u.activatedAt),
      }));
      if (values.json) return out(`${JSON.stringify(list, null, 2)}\n`);
      out(formatTable(['ID', 'EMAIL', 'ACTIVE', 'ADMIN', 'CREATED', 'REGISTERED', 'TIMES', 'FROM'], list.map((u) => [
        u.id, u.email, u.active ? 'yes' : 'no', u.admin ? 'yes' : 'no', u.created_at, u.registered_at ?? '-', u.registered_at ? u.register_attempts : '-', u.registered_from ?? '-',
      ])));
    },
  },
  {
    name: 'users add',
    summary: 'add a user (admin); they may read and call every job and create new ones',
    usage: 'EMAIL [--admin] [--key "ssh-ed25519 AAAA…"] [--token]',
    help: 'add a user (admin). --key registers their ssh public key; --token creates an API token for them,\nprinted alone on the last line. New users may read and call every job and create new job names;\nthey deploy over and delete the jobs they created, and others only when granted deploy_job.',
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
    summary: 'let a user in (admin); shows when and from where it registered',
    usage: 'EMAIL',
    help: 'let a user in (admin). A registration is not proof of owning the email: before activating one, confirm with\nits owner when they registered. Registering again replaces a pending registration, so the latest one is activated;\nmore than one registration means someone else may have tried the same email.',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 1, usage: 'users activate EMAIL' });
      const before = services.access.setActive(subject, positionals[0]!, true);
      out(`activated ${before.email} (${registration(before)})\n`);
      if (before.registerAttempts > 1 && before.activatedAt === null) {
        out(`warning: ${before.email} was registered ${before.registerAttempts} times; if its owner did not register at ${iso(before.registeredAt)}, deactivate it\n`);
      }
    },
  },
  {
    name: 'users deactivate',
    summary: 'shut a user out: their keys and tokens stop working (admin)',
    usage: 'EMAIL',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 1, usage: 'users deactivate EMAIL' });
      const before = services.access.setActive(subject, positionals[0]!, false);
      out(`deactivated ${before.email}\n`);
    },
  },
];
