// `racetrack plugin install|list|uninstall`: the plugins of the current remote, through the lifecycle API (CONTRACT §11).
import type { Command } from 'commander';
import { formatTable } from '../core/format-table.js';
import type { PluginView } from '../plugins/index.js';
import { ApiClient } from './api-client.js';
import { readPluginZip } from './read-plugin-zip.js';

export function registerPluginCommands(program: Command): void {
  const plugin = program.command('plugin').description('the plugins (job types) of the remote: install, list, uninstall');

  pluginCommand(plugin, 'install', 'install a plugin (admin) from a .zip, a plugin folder or an http(s) URL of a zip')
    .argument('<path|url>')
    .action(async (source: string, opts: { remote?: string }) => {
      const c = client(opts);
      const { zip, what } = await readPluginZip(source);
      const p = await c.upload<PluginView>('/plugin/upload', zip, 'application/zip');
      console.log(`installed ${p.category} plugin ${p.name}@${p.version} from ${what}`);
    });

  pluginCommand(plugin, 'list', 'the plugins: built-in and installed, which deployed versions use each, and why any was skipped')
    .option('--json', 'print JSON')
    .action(async (opts: { remote?: string; json?: boolean }) => {
      const list = await client(opts).api<PluginView[]>('GET', '/plugin');
      if (opts.json) return console.log(JSON.stringify(list, null, 2));
      process.stdout.write(formatTable(['NAME', 'VERSION', 'CATEGORY', 'SOURCE', 'IN USE', 'DESCRIPTION'], list.map((p) => [
        p.name, p.version, p.category, p.source, p.in_use, p.status === 'skipped' ? `skipped: ${p.error}` : p.description,
      ])));
    });

  pluginCommand(plugin, 'uninstall', 'remove an installed plugin (admin): one version, or all of them; refused while in use')
    .argument('<name>')
    .option('--version <version>', 'the version to remove (default: every installed version)')
    .action(async (name: string, opts: { remote?: string; version?: string }) => {
      const path = `/plugin/${encodeURIComponent(name)}${opts.version ? `/${encodeURIComponent(opts.version)}` : ''}`;
      const { removed } = await client(opts).api<{ removed: { name: string; version: string }[] }>('DELETE', path);
      console.log(`removed plugin ${removed.map((r) => `${r.name}@${r.version}`).join(', ')}`);
    });
}

function pluginCommand(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).option('--remote <url>', 'the server, a URL or an alias (default: the current remote)');
}

function client(opts: { remote?: string }): ApiClient {
  const c = ApiClient.fromConfig(opts.remote);
  c.requireToken();
  return c;
}
