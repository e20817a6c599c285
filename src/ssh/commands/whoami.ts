// `whoami`: who the presented key belongs to, what they may do, their keys.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';

export const whoamiCommands: SshCommand[] = [
  {
    name: 'whoami',
    summary: 'show your user, scopes and ssh keys',
    usage: '[--json]',
    async run({ args, subject, services, out }) {
      const { values } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'whoami [--json]' });
      const user = subject.kind === 'user' ? subject.user : undefined;
      const keys = user ? services.users.keys(user.id) : [];
      const grants = services.auth.grantsOf(`${subject.kind}:${subject.name}`);
      const data = {
        subject: `${subject.kind}:${subject.name}`,
        email: user?.email ?? null,
        admin: user?.isAdmin ?? false,
        scopes: grants.map((g) => ({ job: g.jobName, scope: g.scope })),
        keys: keys.map((k) => ({ id: k.id, name: k.name, fingerprint: k.fingerprint })),
      };
      if (values.json) return out(`${JSON.stringify(data, null, 2)}\n`);
      out(`user:   ${data.email ?? data.subject}${data.admin ? ' (admin)' : ''}\n`);
      out(`scopes: ${data.admin ? 'everything (admin)' : data.scopes.map((s) => `${s.scope} on ${s.job}`).join(', ') || 'none'}\n`);
      out(`keys:   ${data.keys.map((k) => `${k.id} ${k.name} ${k.fingerprint}`).join('\n        ') || 'none'}\n`);
    },
  },
];
