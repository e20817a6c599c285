// `keys …`: your SSH keys.
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatTable } from '../../core/format-table.js';
import { parseId } from '../parse-id.js';

export const keysCommands: SshCommand[] = [
  {
    name: 'keys list',
    summary: 'your ssh keys',
    usage: '[--json]',
    async run({ args, services, out, subject }) {
      const { values } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'keys list [--json]' });
      const keys = services.access.keys(subject).map((k) => ({ id: k.id, name: k.name, fingerprint: k.fingerprint, created_at: new Date(k.createdAt).toISOString() }));
      if (values.json) return out(`${JSON.stringify(keys, null, 2)}\n`);
      out(formatTable(['ID', 'NAME', 'FINGERPRINT', 'ADDED'], keys.map((k) => [k.id, k.name, k.fingerprint, k.created_at])));
    },
  },
  {
    name: 'keys add',
    summary: 'add an ssh public key, read from stdin (ssh rt keys add laptop < ~/.ssh/id_ed25519.pub)',
    usage: '[NAME] [--json]',
    async run({ args, services, out, subject, stdin }) {
      const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 1, usage: 'keys add [NAME] < key.pub' });
      const key = services.access.addKey(subject, await readAll(stdin), positionals[0]);
      if (values.json) return out(`${JSON.stringify({ id: key.id, name: key.name, fingerprint: key.fingerprint })}\n`);
      out(`added key ${key.id} ${key.name} ${key.fingerprint}\n`);
    },
  },
  {
    name: 'keys remove',
    summary: 'remove one of your ssh keys',
    usage: 'ID',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 1, usage: 'keys remove ID' });
      services.access.removeKey(subject, parseId(positionals[0]!));
      out(`removed key ${positionals[0]}\n`);
    },
  },
];

const MAX_KEY_BYTES = 16 * 1024;

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (b: Buffer) => {
      text += b.toString();
      if (text.length > MAX_KEY_BYTES) resolve(text);
      // a public key is one line: stop waiting once we have it, the client may keep stdin open
      if (text.includes('\n')) resolve(text);
    });
    stream.on('end', () => resolve(text));
  });
}
