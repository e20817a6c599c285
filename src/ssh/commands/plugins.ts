// `plugins …`: the job types (and other plugins) this server has; install and remove are admin only (CONTRACT §11).
import type { Readable } from 'node:stream';
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { formatTable } from '../../core/format-table.js';
import { BadRequestError, UsageError } from '../../core/errors.js';
import { MAX_PLUGIN_ZIP_BYTES } from '../../plugins/index.js';

export const pluginsCommands: SshCommand[] = [
  {
    name: 'plugins list',
    summary: 'the plugins: built-in and installed, which deployed versions use each, and why any was skipped',
    usage: '[--json]',
    async run({ args, services, out }) {
      const { values } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'plugins list [--json]' });
      const list = services.plugins.list();
      if (values.json) return out(`${JSON.stringify(list, null, 2)}\n`);
      out(formatTable(['NAME', 'VERSION', 'CATEGORY', 'SOURCE', 'IN USE', 'DESCRIPTION'], list.map((p) => [
        p.name, p.version, p.category, p.source, p.in_use, p.status === 'skipped' ? `skipped: ${p.error}` : p.description,
      ])));
    },
  },
  {
    name: 'plugins install',
    summary: 'install a plugin zip read from stdin (admin): ssh rt plugins install < plugin.zip',
    usage: '[--json] < plugin.zip',
    help: `install a plugin (admin) from a zip read from stdin, at most ${MAX_PLUGIN_ZIP_BYTES / 1024 / 1024} MiB, with plugin.yaml at its
root (or in its one top-level folder). It is checked before it is kept: a refused zip leaves nothing behind.
It is usable at once, beside the other versions of the same plugin; see docs/plugins.md.`,
    async run({ args, services, out, subject, stdin, signal }) {
      const { values } = parseFlags(args, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'plugins install [--json] < plugin.zip' });
      const plugin = await services.plugins.install(subject, () => readZip(stdin, signal));
      if (values.json) return out(`${JSON.stringify(plugin, null, 2)}\n`);
      out(`installed ${plugin.category} plugin ${plugin.name}@${plugin.version}\n`);
    },
  },
  {
    name: 'plugins remove',
    summary: 'remove an installed plugin version, or all its versions (admin); refused while a deployed version uses it',
    usage: 'NAME[@VERSION]',
    async run({ args, services, out, subject }) {
      const { positionals } = parseFlags(args, {}, { min: 1, max: 1, usage: 'plugins remove NAME[@VERSION]' });
      const [name, version, rest] = positionals[0]!.split('@');
      if (!name || version === '' || rest !== undefined) throw new UsageError(`NAME[@VERSION]: "${positionals[0]}" is not a plugin name with an optional @VERSION`, ['usage: plugins remove NAME[@VERSION]']);
      const removed = await services.plugins.remove(subject, name, version);
      out(`removed plugin ${removed.map((r) => `${r.name}@${r.version}`).join(', ')}\n`);
    },
  },
];

/** Silence allowed on stdin before the upload is given up (as for an HTTP request body). */
const STDIN_IDLE_MS = 30_000;

/** The whole of stdin, refused as soon as it passes the bound (the rest is not read) or stays silent too long. */
function readZip(stdin: Readable, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const idle = () => done(() => reject(new BadRequestError(`stdin: nothing arrived for ${STDIN_IDLE_MS / 1000} s`, ['usage: ssh rt plugins install < plugin.zip'])));
    let timer = setTimeout(idle, STDIN_IDLE_MS);
    const done = (fn: () => void) => {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onData = (b: Buffer) => {
      clearTimeout(timer);
      timer = setTimeout(idle, STDIN_IDLE_MS);
      size += b.length;
      if (size > MAX_PLUGIN_ZIP_BYTES) return done(() => reject(new BadRequestError(`stdin: the plugin zip is larger than ${MAX_PLUGIN_ZIP_BYTES / 1024 / 1024} MiB`)));
      chunks.push(b);
    };
    const onEnd = () => done(() => (size ? resolve(Buffer.concat(chunks)) : reject(new UsageError('stdin: no plugin zip given', ['usage: ssh rt plugins install < plugin.zip']))));
    const onAbort = () => done(() => reject(new BadRequestError('stdin: the client went away')));
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    signal.addEventListener('abort', onAbort);
  });
}
